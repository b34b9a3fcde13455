using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.Migrations
{
    /// <inheritdoc />
    public partial class DocumentSeoColumns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Kept at conversion and edit time (DocumentSeo.Keep); existing rows get theirs at the next start
            // (SeoBackfill), and the page makes them as it is read meanwhile.
            migrationBuilder.AddColumn<string>(
                name: "SeoDescription",
                table: "Documents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SeoLanguage",
                table: "Documents",
                type: "TEXT",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SeoDescription",
                table: "Documents");

            migrationBuilder.DropColumn(
                name: "SeoLanguage",
                table: "Documents");
        }
    }
}
