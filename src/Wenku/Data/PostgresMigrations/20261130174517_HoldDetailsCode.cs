using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class HoldDetailsCode : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "HoldDetailsArgs",
                table: "Documents",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HoldDetailsCode",
                table: "Documents",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "HoldDetailsArgs",
                table: "Documents");

            migrationBuilder.DropColumn(
                name: "HoldDetailsCode",
                table: "Documents");
        }
    }
}
