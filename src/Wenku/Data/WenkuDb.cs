using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Comments;
using Wenku.Commerce;
using Wenku.Documents;
using Wenku.Duplicates;
using Wenku.Jobs;
using Wenku.Search;

namespace Wenku.Data;

/// <summary>
/// The site's data. This type is the SQLite model (its migrations are in <c>Data/Migrations</c>);
/// <see cref="PostgresWenkuDb"/> is the same model on PostgreSQL, with its own migrations. Code asks for <c>WenkuDb</c>.
/// </summary>
public class WenkuDb : IdentityDbContext<WenkuUser, IdentityRole, string>
{
    public WenkuDb(DbContextOptions<WenkuDb> options) : base(options) { }

    protected WenkuDb(DbContextOptions options) : base(options) { }

    public DbSet<Document> Documents => Set<Document>();
    public DbSet<DocumentPage> DocumentPages => Set<DocumentPage>();
    public DbSet<ArchiveEntry> ArchiveEntries => Set<ArchiveEntry>();
    public DbSet<Category> Categories => Set<Category>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<EndedSession> EndedSessions => Set<EndedSession>();
    public DbSet<Entitlement> Entitlements => Set<Entitlement>();
    public DbSet<Download> Downloads => Set<Download>();
    public DbSet<DocumentViewDay> DocumentViewDays => Set<DocumentViewDay>();
    public DbSet<SiteSettings> SiteSettings => Set<SiteSettings>();
    public DbSet<DocumentFingerprint> DocumentFingerprints => Set<DocumentFingerprint>();
    public DbSet<DocumentMatch> DocumentMatches => Set<DocumentMatch>();
    public DbSet<SearchChange> SearchChanges => Set<SearchChange>();
    public DbSet<LedgerAccount> LedgerAccounts => Set<LedgerAccount>();
    public DbSet<LedgerTransaction> LedgerTransactions => Set<LedgerTransaction>();
    public DbSet<LedgerPosting> LedgerPostings => Set<LedgerPosting>();
    public DbSet<Purchase> Purchases => Set<Purchase>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<RechargeOrder> RechargeOrders => Set<RechargeOrder>();
    public DbSet<RedeemBatch> RedeemBatches => Set<RedeemBatch>();
    public DbSet<RedeemCode> RedeemCodes => Set<RedeemCode>();
    public DbSet<Withdrawal> Withdrawals => Set<Withdrawal>();
    public DbSet<Moderation.Report> Reports => Set<Moderation.Report>();
    public DbSet<Moderation.Claim> Claims => Set<Moderation.Claim>();
    public DbSet<Moderation.DocumentRemoval> DocumentRemovals => Set<Moderation.DocumentRemoval>();
    public DbSet<Moderation.Appeal> Appeals => Set<Moderation.Appeal>();
    public DbSet<Moderation.SensitiveWord> SensitiveWords => Set<Moderation.SensitiveWord>();
    public DbSet<Moderation.AuditEntry> AuditEntries => Set<Moderation.AuditEntry>();
    public DbSet<Moderation.Notification> Notifications => Set<Moderation.Notification>();
    public DbSet<Favourite> Favourites => Set<Favourite>();
    public DbSet<Rating> Ratings => Set<Rating>();
    public DbSet<ReadingProgress> ReadingProgress => Set<ReadingProgress>();

    /// <summary>Adds a search outbox row for every document whose searchable state this save changes.</summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RecordSearchChanges();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RecordSearchChanges();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    private void RecordSearchChanges()
    {
        ChangeTracker.DetectChanges();
        var changed = ChangeTracker.Entries<Document>()
            .Where(e => e.State == EntityState.Deleted
                || (e.State == EntityState.Modified && e.Properties.Any(p => p.IsModified && !SearchChange.IgnoredProperties.Contains(p.Metadata.Name))))
            .Select(e => e.Entity.Id).Where(id => id > 0).Distinct().ToList();
        // A new document is queued, not yet searchable: its change to "ready" is what the index follows.
        SearchChanges.AddRange(changed.Select(id => new SearchChange { DocumentId = id }));
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        var b = builder;
        base.OnModelCreating(b);

        b.Entity<Document>(e =>
        {
            // One live copy of a file; failed uploads of it do not count.
            e.HasIndex(d => d.Sha256).IsUnique().HasFilter("\"Status\" <> 'Failed'");
            e.HasIndex(d => new { d.Status, d.CreatedAt });
            e.HasIndex(d => new { d.CategoryId, d.Status, d.CreatedAt });
            e.HasIndex(d => new { d.UploaderId, d.CreatedAt });
            e.HasIndex(d => d.Downloads);
            // The read paths (ReadPathIndexes): a document page's related documents (a category's most downloaded) and
            // an uploader's published documents, walked in order and stopped after a page, instead of sorting every
            // document of the category (a temporary B-tree over thousands of rows in a large library).
            e.HasIndex(d => new { d.CategoryId, d.Status, d.Downloads, d.Id });
            e.HasIndex(d => new { d.UploaderId, d.Status, d.CreatedAt, d.Id });
            e.HasOne(d => d.Uploader).WithMany().HasForeignKey(d => d.UploaderId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(d => d.Category).WithMany().HasForeignKey(d => d.CategoryId).OnDelete(DeleteBehavior.Restrict);
            e.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(d => d.HoldReason).HasConversion<string>().HasMaxLength(16);
            e.OwnsOne(d => d.Drawing, o => o.ToJson());
        });
        b.Entity<DocumentPage>(e =>
        {
            e.HasKey(p => new { p.DocumentId, p.Number });
            e.HasOne<Document>().WithMany().HasForeignKey(p => p.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ArchiveEntry>(e =>
        {
            e.HasKey(x => new { x.DocumentId, x.Number });
            e.HasOne<Document>().WithMany().HasForeignKey(x => x.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Category>(e => e.HasIndex(c => c.Slug).IsUnique());
        b.Entity<SiteSettings>(e =>
        {
            e.Property(s => s.NearDuplicatePolicy).HasConversion<string>().HasMaxLength(16);
            e.Property(s => s.ReviewNewUploads).HasConversion<string>().HasMaxLength(16);
        });
        b.Entity<DocumentFingerprint>(e =>
        {
            e.HasIndex(f => f.DocumentId).IsUnique();
            e.Property(f => f.Id).HasAnnotation("Sqlite:Autoincrement", true);
            e.HasOne<Document>().WithMany().HasForeignKey(f => f.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<DocumentMatch>(e =>
        {
            e.HasKey(m => new { m.DocumentId, m.MatchId });
            e.HasIndex(m => m.MatchId);
            e.HasOne<Document>().WithMany().HasForeignKey(m => m.DocumentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Document>().WithMany().HasForeignKey(m => m.MatchId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<SearchChange>(e =>
        {
            e.HasKey(c => c.Seq);
            e.Property(c => c.Seq).ValueGeneratedOnAdd();
        });
        b.Entity<Comment>(e =>
        {
            e.HasIndex(c => new { c.DocumentId, c.CreatedAt });
            e.HasIndex(c => new { c.State, c.CreatedAt });
            e.Property(c => c.State).HasConversion<string>().HasMaxLength(16);
            e.HasOne(c => c.User).WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Document>().WithMany().HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Job>(e =>
        {
            e.HasIndex(j => new { j.State, j.RunAfter });
            e.HasIndex(j => j.Measured); // the metrics pass looks for finished jobs not yet counted
            e.Property(j => j.State).HasConversion<string>().HasMaxLength(16);
            e.HasOne(j => j.Document).WithMany().HasForeignKey(j => j.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ApiToken>(e =>
        {
            e.HasIndex(t => t.Hash).IsUnique();
            e.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Download>(e =>
        {
            e.HasKey(x => new { x.DocumentId, x.UserId });
            e.HasOne<Document>().WithMany().HasForeignKey(x => x.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Entitlement>(e =>
        {
            e.HasKey(x => new { x.DocumentId, x.UserId });
            e.HasOne<Document>().WithMany().HasForeignKey(x => x.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<DocumentViewDay>(e =>
        {
            e.HasKey(x => new { x.DocumentId, x.Day });
            e.HasOne<Document>().WithMany().HasForeignKey(x => x.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        OnCommerceModelCreating(b);
        OnModerationModelCreating(b);
    }

    /// <summary>
    /// Reports, claims, removals, appeals, the word list, the audit log and notifications. Like money rows, they never
    /// cascade from documents or users: a deleted document's reports and claims stay in the record.
    /// </summary>
    private static void OnModerationModelCreating(ModelBuilder b)
    {
        b.Entity<Moderation.Report>(e =>
        {
            e.Property(r => r.Reason).HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.State).HasConversion<string>().HasMaxLength(16);
            // One open report per reader and document (and per reader and comment).
            e.HasIndex(r => new { r.DocumentId, r.ReporterId }).IsUnique().HasFilter("\"State\" = 'Open' AND \"CommentId\" IS NULL");
            e.HasIndex(r => new { r.CommentId, r.ReporterId }).IsUnique().HasFilter("\"State\" = 'Open' AND \"CommentId\" IS NOT NULL");
            e.HasIndex(r => new { r.State, r.CreatedAt });
            e.HasIndex(r => new { r.ReporterId, r.CreatedAt });
        });
        b.Entity<Moderation.Claim>(e =>
        {
            e.Property(c => c.State).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(c => new { c.DocumentId, c.ClaimantId }).IsUnique().HasFilter("\"State\" = 'Open'");
            e.HasIndex(c => new { c.State, c.CreatedAt });
            e.HasIndex(c => new { c.ClaimantId, c.CreatedAt });
        });
        b.Entity<Moderation.DocumentRemoval>(e =>
        {
            e.Property(r => r.Category).HasConversion<string>().HasMaxLength(24);
            e.HasIndex(r => r.DocumentId);
            e.HasIndex(r => new { r.FilesDeletedAt, r.RestoredAt, r.RemovedAt });
        });
        b.Entity<Moderation.Appeal>(e =>
        {
            e.Property(a => a.State).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(a => a.RemovalId).IsUnique();
            e.HasIndex(a => new { a.State, a.CreatedAt });
            e.HasIndex(a => a.DocumentId);
        });
        b.Entity<Moderation.SensitiveWord>(e =>
        {
            e.Property(w => w.Action).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(w => w.Folded).IsUnique();
        });
        b.Entity<Moderation.AuditEntry>(e =>
        {
            e.HasIndex(a => a.At);
            e.HasIndex(a => new { a.ActorId, a.At });
            e.HasIndex(a => new { a.ObjectType, a.ObjectId });
            e.HasIndex(a => new { a.Kind, a.At });
        });
        b.Entity<Moderation.Notification>(e =>
        {
            e.HasIndex(n => new { n.UserId, n.CreatedAt });
            e.HasIndex(n => new { n.UserId, n.ReadAt });
        });
        // The reader's library: keyed by reader first (their lists), with the document for its counts.
        b.Entity<Favourite>(e =>
        {
            e.HasOne<Document>().WithMany().HasForeignKey(f => f.DocumentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<WenkuUser>().WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasKey(f => new { f.UserId, f.DocumentId });
            e.HasIndex(f => new { f.UserId, f.CreatedAt });
            e.HasIndex(f => f.DocumentId);
        });
        b.Entity<Rating>(e =>
        {
            e.HasOne<Document>().WithMany().HasForeignKey(r => r.DocumentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<WenkuUser>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasKey(r => new { r.UserId, r.DocumentId });
            e.HasIndex(r => r.DocumentId);
            e.ToTable(t => t.HasCheckConstraint("CK_Ratings_Stars", "\"Stars\" BETWEEN 1 AND 5"));
        });
        b.Entity<ReadingProgress>(e =>
        {
            e.HasOne<Document>().WithMany().HasForeignKey(r => r.DocumentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<WenkuUser>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasKey(r => new { r.UserId, r.DocumentId });
            e.HasIndex(r => new { r.UserId, r.UpdatedAt });
            e.HasIndex(r => r.DocumentId);
        });
        b.Entity<WenkuUser>(e => e.HasIndex(u => u.Slug).IsUnique());
    }

    /// <summary>
    /// The ledger and what it pays for. Money rows never cascade from documents or users: a deleted document keeps its
    /// sales history (its purchases and transactions stay, with the id).
    /// </summary>
    private static void OnCommerceModelCreating(ModelBuilder b)
    {
        b.Entity<LedgerAccount>(e =>
        {
            e.HasIndex(a => new { a.Owner, a.Kind }).IsUnique();
            e.Property(a => a.Kind).HasConversion<string>().HasMaxLength(32);
        });
        b.Entity<LedgerTransaction>(e =>
        {
            e.Property(t => t.Kind).HasConversion<string>().HasMaxLength(32);
            e.HasIndex(t => new { t.Kind, t.Reference }).IsUnique().HasFilter("\"Reference\" IS NOT NULL");
            e.HasIndex(t => t.At);
            e.HasIndex(t => t.DocumentId);
            e.HasMany(t => t.Postings).WithOne().HasForeignKey(p => p.TransactionId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<LedgerPosting>(e =>
        {
            e.HasIndex(p => new { p.AccountId, p.TransactionId });
            e.HasOne(p => p.Account).WithMany().HasForeignKey(p => p.AccountId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<Purchase>(e =>
        {
            // One live purchase per reader and document: a second (parallel) one fails here and is never charged.
            e.HasIndex(p => new { p.DocumentId, p.BuyerId }).IsUnique().HasFilter("\"RefundedAt\" IS NULL");
            e.HasIndex(p => new { p.BuyerId, p.At });
            e.HasIndex(p => new { p.UploaderId, p.At });
            e.HasIndex(p => p.At);
        });
        b.Entity<IdempotencyRecord>(e =>
        {
            e.HasKey(r => new { r.UserId, r.Key });
            e.HasIndex(r => r.CreatedAt);
        });
        b.Entity<RechargeOrder>(e =>
        {
            e.HasIndex(o => o.OutTradeNo).IsUnique();
            e.HasIndex(o => new { o.State, o.CreatedAt });
            e.HasIndex(o => new { o.UserId, o.CreatedAt });
            e.Property(o => o.State).HasConversion<string>().HasMaxLength(16);
        });
        b.Entity<RedeemBatch>(e => e.HasMany(x => x.Codes).WithOne(c => c.Batch).HasForeignKey(c => c.BatchId).OnDelete(DeleteBehavior.Restrict));
        b.Entity<RedeemCode>(e => e.HasIndex(c => c.Code).IsUnique());
        b.Entity<Withdrawal>(e =>
        {
            e.HasIndex(w => new { w.State, w.RequestedAt });
            e.HasIndex(w => new { w.UserId, w.RequestedAt });
            e.Property(w => w.State).HasConversion<string>().HasMaxLength(16);
        });
    }
}
