using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class ObserveJobTrace : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Measured",
                table: "Jobs",
                type: "boolean",
                nullable: false,
                defaultValue: true); // data: jobs finished before this migration count as measured (no metrics for the past)

            migrationBuilder.AddColumn<long>(
                name: "StartedAt",
                table: "Jobs",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TraceParent",
                table: "Jobs",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Jobs_Measured",
                table: "Jobs",
                column: "Measured");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Jobs_Measured",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "Measured",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "StartedAt",
                table: "Jobs");

            migrationBuilder.DropColumn(
                name: "TraceParent",
                table: "Jobs");
        }
    }
}
