using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.Migrations
{
    /// <inheritdoc />
    public partial class Moderation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "RefundOnInfringementRemoval",
                table: "SiteSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<int>(
                name: "RemovedRetentionDays",
                table: "SiteSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 30);

            migrationBuilder.AddColumn<int>(
                name: "ReviewNewUploaderDocuments",
                table: "SiteSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 3);

            migrationBuilder.AddColumn<string>(
                name: "ReviewNewUploads",
                table: "SiteSettings",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Off");

            migrationBuilder.AddColumn<string>(
                name: "HoldDetails",
                table: "Documents",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HoldReason",
                table: "Documents",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RemovalId",
                table: "Documents",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReviewWords",
                table: "Comments",
                type: "TEXT",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "State",
                table: "Comments",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Visible");

            migrationBuilder.AddColumn<string>(
                name: "BanReason",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "BannedAt",
                table: "AspNetUsers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "BannedById",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 450,
                nullable: true);

            migrationBuilder.Sql("UPDATE \"Documents\" SET \"HoldReason\" = 'NearDuplicate' WHERE \"Status\" = 'Held'");

            migrationBuilder.CreateTable(
                name: "Appeals",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RemovalId = table.Column<long>(type: "INTEGER", nullable: false),
                    DocumentId = table.Column<long>(type: "INTEGER", nullable: false),
                    UploaderId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Statement = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DecidedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DecidedById = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    DecisionReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Appeals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AuditEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ActorId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    ActorName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    ObjectType = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ObjectId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Before = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    After = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    PreviousHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Claims",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DocumentId = table.Column<long>(type: "INTEGER", nullable: false),
                    ClaimantId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Statement = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    EvidenceKey = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    EvidenceFileName = table.Column<string>(type: "TEXT", maxLength: 260, nullable: true),
                    EvidenceFormat = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    EvidenceBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    WantsRemoval = table.Column<bool>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DecidedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DecidedById = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    DecisionReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    PreviousUploaderId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    TransferTransactionId = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Claims", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DocumentRemovals",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DocumentId = table.Column<long>(type: "INTEGER", nullable: false),
                    Category = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    RemovedById = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    RemovedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReportId = table.Column<long>(type: "INTEGER", nullable: true),
                    ClaimId = table.Column<long>(type: "INTEGER", nullable: true),
                    PreviousStatus = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RestoredAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RestoredById = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    RestoreReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    FilesDeletedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DocumentRemovals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Notifications",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Args = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Link = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReadAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Notifications", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Reports",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DocumentId = table.Column<long>(type: "INTEGER", nullable: false),
                    CommentId = table.Column<long>(type: "INTEGER", nullable: true),
                    ReporterId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Details = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    OriginalTitle = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    OriginalLink = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Contact = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DecidedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DecidedById = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    DecisionReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Reports", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SensitiveWords",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Pattern = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Folded = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SensitiveWords", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Comments_State_CreatedAt",
                table: "Comments",
                columns: new[] { "State", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Appeals_DocumentId",
                table: "Appeals",
                column: "DocumentId");

            migrationBuilder.CreateIndex(
                name: "IX_Appeals_RemovalId",
                table: "Appeals",
                column: "RemovalId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Appeals_State_CreatedAt",
                table: "Appeals",
                columns: new[] { "State", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_ActorId_At",
                table: "AuditEntries",
                columns: new[] { "ActorId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_At",
                table: "AuditEntries",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_Kind_At",
                table: "AuditEntries",
                columns: new[] { "Kind", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_ObjectType_ObjectId",
                table: "AuditEntries",
                columns: new[] { "ObjectType", "ObjectId" });

            migrationBuilder.CreateIndex(
                name: "IX_Claims_ClaimantId_CreatedAt",
                table: "Claims",
                columns: new[] { "ClaimantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Claims_DocumentId_ClaimantId",
                table: "Claims",
                columns: new[] { "DocumentId", "ClaimantId" },
                unique: true,
                filter: "\"State\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_Claims_State_CreatedAt",
                table: "Claims",
                columns: new[] { "State", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_DocumentRemovals_DocumentId",
                table: "DocumentRemovals",
                column: "DocumentId");

            migrationBuilder.CreateIndex(
                name: "IX_DocumentRemovals_FilesDeletedAt_RestoredAt_RemovedAt",
                table: "DocumentRemovals",
                columns: new[] { "FilesDeletedAt", "RestoredAt", "RemovedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_UserId_CreatedAt",
                table: "Notifications",
                columns: new[] { "UserId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_UserId_ReadAt",
                table: "Notifications",
                columns: new[] { "UserId", "ReadAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Reports_CommentId_ReporterId",
                table: "Reports",
                columns: new[] { "CommentId", "ReporterId" },
                unique: true,
                filter: "\"State\" = 'Open' AND \"CommentId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Reports_DocumentId_ReporterId",
                table: "Reports",
                columns: new[] { "DocumentId", "ReporterId" },
                unique: true,
                filter: "\"State\" = 'Open' AND \"CommentId\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Reports_ReporterId_CreatedAt",
                table: "Reports",
                columns: new[] { "ReporterId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Reports_State_CreatedAt",
                table: "Reports",
                columns: new[] { "State", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_SensitiveWords_Folded",
                table: "SensitiveWords",
                column: "Folded",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Appeals");

            migrationBuilder.DropTable(
                name: "AuditEntries");

            migrationBuilder.DropTable(
                name: "Claims");

            migrationBuilder.DropTable(
                name: "DocumentRemovals");

            migrationBuilder.DropTable(
                name: "Notifications");

            migrationBuilder.DropTable(
                name: "Reports");

            migrationBuilder.DropTable(
                name: "SensitiveWords");

            migrationBuilder.DropIndex(
                name: "IX_Comments_State_CreatedAt",
                table: "Comments");

            migrationBuilder.DropColumn(
                name: "RefundOnInfringementRemoval",
                table: "SiteSettings");

            migrationBuilder.DropColumn(
                name: "RemovedRetentionDays",
                table: "SiteSettings");

            migrationBuilder.DropColumn(
                name: "ReviewNewUploaderDocuments",
                table: "SiteSettings");

            migrationBuilder.DropColumn(
                name: "ReviewNewUploads",
                table: "SiteSettings");

            migrationBuilder.DropColumn(
                name: "HoldDetails",
                table: "Documents");

            migrationBuilder.DropColumn(
                name: "HoldReason",
                table: "Documents");

            migrationBuilder.DropColumn(
                name: "RemovalId",
                table: "Documents");

            migrationBuilder.DropColumn(
                name: "ReviewWords",
                table: "Comments");

            migrationBuilder.DropColumn(
                name: "State",
                table: "Comments");

            migrationBuilder.DropColumn(
                name: "BanReason",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "BannedAt",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "BannedById",
                table: "AspNetUsers");
        }
    }
}
