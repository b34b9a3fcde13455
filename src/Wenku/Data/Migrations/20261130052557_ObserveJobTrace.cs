using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.Migrations
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
                type: "INTEGER",
                nullable: false,
                defaultValue: true); // data: jobs finished before this migration count as measured (no metrics for the past)

            migrationBuilder.AddColumn<long>(
                name: "StartedAt",
                table: "Jobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TraceParent",
                table: "Jobs",
                type: "TEXT",
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
