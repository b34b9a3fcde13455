using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class ReadPathIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Documents_CategoryId_Status_Downloads_Id",
                table: "Documents",
                columns: new[] { "CategoryId", "Status", "Downloads", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Documents_UploaderId_Status_CreatedAt_Id",
                table: "Documents",
                columns: new[] { "UploaderId", "Status", "CreatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Documents_CategoryId_Status_Downloads_Id",
                table: "Documents");

            migrationBuilder.DropIndex(
                name: "IX_Documents_UploaderId_Status_CreatedAt_Id",
                table: "Documents");
        }
    }
}
