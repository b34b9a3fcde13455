namespace Wenku.Moderation;

public static class ModerationServices
{
    /// <summary>Reports, claims, takedowns, appeals, the review queue, sensitive words, users, the audit log, notifications.</summary>
    public static IServiceCollection AddModeration(this IServiceCollection services, IConfiguration config)
    {
        // Services here answer in the reader's language: the localizer comes with AddWenkuCore, which every host calls first.
        services.AddScoped<AuditLog>();
        services.AddScoped<DocumentRemovals>();
        services.AddScoped<ReportDecisions>();
        services.AddScoped<ClaimDecisions>();
        services.AddScoped<AppealDecisions>();
        services.AddScoped<HeldDecisions>();
        services.AddScoped<CommentModeration>();
        services.AddScoped<Users.UserModeration>();
        services.AddScoped<NotificationInbox>();
        services.AddScoped<WordList>();
        services.AddScoped<ReviewQueue>();
        services.AddScoped<ReportFiling>();
        services.AddScoped<Appeals>();
        services.AddScoped<RemovedFilesRetention>();
        services.AddScoped<ClaimFiling>();
        return services;
    }
}
