using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.Migrations
{
    /// <inheritdoc />
    public partial class DrawingFacts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Drawing",
                table: "Documents",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Drawing",
                table: "Documents");
        }
    }
}
