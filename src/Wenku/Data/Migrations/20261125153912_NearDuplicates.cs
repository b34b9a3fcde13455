using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.Migrations
{
    /// <inheritdoc />
    public partial class NearDuplicates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "NearDuplicatePolicy",
                table: "SiteSettings",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Hold"); // existing installs get the defaults of SiteSettings

            migrationBuilder.AddColumn<double>(
                name: "NearDuplicateThreshold",
                table: "SiteSettings",
                type: "REAL",
                nullable: false,
                defaultValue: 0.35);

            migrationBuilder.AddColumn<long>(
                name: "NearDuplicateOfId",
                table: "Documents",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "NearDuplicateScore",
                table: "Documents",
                type: "REAL",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DocumentFingerprints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DocumentId = table.Column<long>(type: "INTEGER", nullable: false),
                    Signature = table.Column<byte[]>(type: "BLOB", maxLength: 288, nullable: false),
                    ShingleCount = table.Column<int>(type: "INTEGER", nullable: false),
                    ComputedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DocumentFingerprints", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DocumentFingerprints_Documents_DocumentId",
                        column: x => x.DocumentId,
                        principalTable: "Documents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "DocumentMatches",
                columns: table => new
                {
                    DocumentId = table.Column<long>(type: "INTEGER", nullable: false),
                    MatchId = table.Column<long>(type: "INTEGER", nullable: false),
                    Score = table.Column<double>(type: "REAL", nullable: false),
                    FoundAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DocumentMatches", x => new { x.DocumentId, x.MatchId });
                    table.ForeignKey(
                        name: "FK_DocumentMatches_Documents_DocumentId",
                        column: x => x.DocumentId,
                        principalTable: "Documents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_DocumentMatches_Documents_MatchId",
                        column: x => x.MatchId,
                        principalTable: "Documents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DocumentFingerprints_DocumentId",
                table: "DocumentFingerprints",
                column: "DocumentId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DocumentMatches_MatchId",
                table: "DocumentMatches",
                column: "MatchId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DocumentFingerprints");

            migrationBuilder.DropTable(
                name: "DocumentMatches");

            migrationBuilder.DropColumn(
                name: "NearDuplicatePolicy",
                table: "SiteSettings");

            migrationBuilder.DropColumn(
                name: "NearDuplicateThreshold",
                table: "SiteSettings");

            migrationBuilder.DropColumn(
                name: "NearDuplicateOfId",
                table: "Documents");

            migrationBuilder.DropColumn(
                name: "NearDuplicateScore",
                table: "Documents");
        }
    }
}
