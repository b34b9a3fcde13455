using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Comments;
using Wenku.Documents;
using Wenku.Jobs;

namespace Wenku.Data;

public sealed class WenkuDb(DbContextOptions<WenkuDb> options) : IdentityDbContext<WenkuUser, IdentityRole, string>(options)
{
    public DbSet<Document> Documents => Set<Document>();
    public DbSet<DocumentPage> DocumentPages => Set<DocumentPage>();
    public DbSet<ArchiveEntry> ArchiveEntries => Set<ArchiveEntry>();
    public DbSet<Category> Categories => Set<Category>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Entitlement> Entitlements => Set<Entitlement>();
    public DbSet<Download> Downloads => Set<Download>();
    public DbSet<SiteSettings> SiteSettings => Set<SiteSettings>();

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
            e.HasOne(d => d.Uploader).WithMany().HasForeignKey(d => d.UploaderId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(d => d.Category).WithMany().HasForeignKey(d => d.CategoryId).OnDelete(DeleteBehavior.Restrict);
            e.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
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
        b.Entity<Comment>(e =>
        {
            e.HasIndex(c => new { c.DocumentId, c.CreatedAt });
            e.HasOne(c => c.User).WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Document>().WithMany().HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Job>(e =>
        {
            e.HasIndex(j => new { j.State, j.RunAfter });
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
    }
}
