using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class SlugsNeverFromEmail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Slugs given before this version could be the part of the e-mail before the @ (a QQ number is the whole
            // address): every user gets a new one at the next start (UserSlugBackfill; /u/{id} keeps redirecting).
            migrationBuilder.Sql("UPDATE \"AspNetUsers\" SET \"Slug\" = NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
