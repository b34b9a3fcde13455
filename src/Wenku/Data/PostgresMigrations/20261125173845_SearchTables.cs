using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.PostgresMigrations
{
    /// <summary>
    /// The tables of the PostgreSQL search backend (<see cref="Wenku.Search.PostgresSearchIndex"/>). They are not in
    /// the EF model: only that class reads and writes them, with SQL of its own, and they are rebuilt from the
    /// documents at will (the site fills them on its first start after this migration: its start-up check adds every
    /// ready document that is missing).
    /// </summary>
    public partial class SearchTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE "SearchEntries" (
                    "DocumentId" bigint NOT NULL PRIMARY KEY,
                    "Title" text NOT NULL,
                    "Category" text NOT NULL,
                    "Format" text NOT NULL,
                    "Price" integer NOT NULL,
                    "PageCount" integer NOT NULL,
                    "Downloads" bigint NOT NULL,
                    "CreatedAt" timestamp with time zone NOT NULL,
                    "Uploader" text NOT NULL);
                CREATE TABLE "SearchParts" (
                    "DocumentId" bigint NOT NULL,
                    "Part" integer NOT NULL,
                    "Page" integer NOT NULL,
                    "Text" text NOT NULL,
                    "Terms" tsvector NOT NULL,
                    PRIMARY KEY ("DocumentId", "Part"));
                CREATE INDEX "IX_SearchParts_Terms" ON "SearchParts" USING GIN ("Terms");
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TABLE "SearchParts"; DROP TABLE "SearchEntries";""");
        }
    }
}
