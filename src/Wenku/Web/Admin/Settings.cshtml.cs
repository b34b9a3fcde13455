using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.OutputCaching;
using Wenku.Documents;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;
using Wenku.Commerce;
using Wenku.Duplicates;
using Wenku.Moderation;

namespace Wenku.Web.Admin;

/// <summary>Site settings an operator edits: default preview pages, the 温馨提示 notices, the near-duplicate policy, the uploader's share, points per yuan, the minimum withdrawal, and moderation (pre-publication review, how long removed documents' files are kept, refunds on infringement removals).</summary>
[Authorize(Policy = Roles.AdminPolicy)]
public sealed class SettingsModel(WenkuDb db, IOutputCacheStore cache, Ledger ledger, AuditLog audit,
    Microsoft.Extensions.Localization.IStringLocalizer<SharedResource> T) : PageModel
{
    [BindProperty, Range(1, 50)] public int DefaultPreviewPages { get; set; }
    [BindProperty, MaxLength(4000)] public string Notices { get; set; } = "";
    [BindProperty] public NearDuplicatePolicy NearDuplicatePolicy { get; set; } = NearDuplicatePolicy.Hold;
    [BindProperty, Range(0.05, 1.0)] public double NearDuplicateThreshold { get; set; } = NearDuplicates.DefaultThreshold;
    [BindProperty, Required, Range(0, 100)]
    public int? UploaderSharePercent { get; set; }
    [BindProperty, Required, Range(1, 10_000)]
    public int? PointsPerYuan { get; set; }
    [BindProperty, Required, Range(1, 100_000_000)]
    public int? MinimumWithdrawal { get; set; }
    /// <summary>Why (optional; kept in the audit log with the fields that changed).</summary>
    [BindProperty, MaxLength(MaxReason)]
    public string? Reason { get; set; }
    public const int MaxReason = 300;

    // Moderation. Each may be left out of a form (an older page, a script): then it keeps its value.
    [BindProperty] public Moderation.ReviewNewUploads? ReviewNewUploads { get; set; }
    [BindProperty, Range(1, 100)]
    public int? ReviewNewUploaderDocuments { get; set; }
    [BindProperty, Range(1, 3650)]
    public int? RemovedRetentionDays { get; set; }
    [BindProperty] public bool? RefundOnInfringementRemoval { get; set; }
    public bool Saved { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var s = await db.SiteSettings.AsNoTracking().SingleAsync(ct);
        (DefaultPreviewPages, Notices) = (s.DefaultPreviewPages, s.Notices);
        (NearDuplicatePolicy, NearDuplicateThreshold) = (s.NearDuplicatePolicy, s.NearDuplicateThreshold);
        (UploaderSharePercent, PointsPerYuan, MinimumWithdrawal) = (s.UploaderSharePercent, s.PointsPerYuan, s.MinimumWithdrawal);
        (ReviewNewUploads, ReviewNewUploaderDocuments) = (s.ReviewNewUploads, s.ReviewNewUploaderDocuments);
        (RemovedRetentionDays, RefundOnInfringementRemoval) = (s.RemovedRetentionDays, s.RefundOnInfringementRemoval);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        // A form without the money fields (an old page, a script) must not reset them to anything.
        if (ModelState.IsValid && (UploaderSharePercent is null || PointsPerYuan is null || MinimumWithdrawal is null))
            ModelState.AddModelError("", T["请填写作者分成、每元积分和最低提现。"]);
        if (!ModelState.IsValid)
        {
            LocalizeErrors();
            Response.StatusCode = 400;
            return Page();
        }
        await ledger.InTransactionAsync(async () =>
        {
            var s = await db.SiteSettings.SingleAsync(ct);
            s.DefaultPreviewPages = DefaultPreviewPages;
            s.Notices = Text.SafeText.MultiLine(Notices);
            s.NearDuplicatePolicy = NearDuplicatePolicy;
            s.NearDuplicateThreshold = NearDuplicateThreshold;
            (s.UploaderSharePercent, s.PointsPerYuan, s.MinimumWithdrawal) = (UploaderSharePercent!.Value, PointsPerYuan!.Value, MinimumWithdrawal!.Value);
            if (ReviewNewUploads is { } review) s.ReviewNewUploads = review;
            if (ReviewNewUploaderDocuments is { } first) s.ReviewNewUploaderDocuments = first;
            if (RemovedRetentionDays is { } days) s.RemovedRetentionDays = days;
            if (RefundOnInfringementRemoval is { } refund) s.RefundOnInfringementRemoval = refund;
            await RecordChangesAsync(s, ct);
            await db.SaveChangesAsync(ct);
            return true;
        }, ct);
        await DocumentPageCache.EvictAllAsync(cache, ct);
        Saved = true;
        return Page();
    }

    /// <summary>
    /// Each field's refusal (out of range, missing or not a number) as one sentence in the reader's language, instead
    /// of the framework's English.
    /// </summary>
    private void LocalizeErrors()
    {
        var messages = new Dictionary<string, string>
        {
            [nameof(DefaultPreviewPages)] = T["默认预览页数须在 1 到 50 之间。"],
            [nameof(Notices)] = T["温馨提示最多 4000 字。"],
            [nameof(NearDuplicateThreshold)] = T["近似重复阈值须在 0.05 到 1 之间。"],
            [nameof(UploaderSharePercent)] = T["作者分成须在 0 到 100 之间。"],
            [nameof(PointsPerYuan)] = T["每元积分须在 1 到 10000 之间。"],
            [nameof(MinimumWithdrawal)] = T["最低提现须在 1 到 100000000 积分之间。"],
            [nameof(Reason)] = T["原因最多 300 字。"],
            [nameof(ReviewNewUploaderDocuments)] = T["新上传者审核篇数须在 1 到 100 之间。"],
            [nameof(RemovedRetentionDays)] = T["下架文件保留天数须在 1 到 3650 之间。"],
        };
        foreach (var (field, message) in messages)
            if (ModelState[field] is { Errors.Count: > 0 } entry)
            {
                entry.Errors.Clear();
                entry.Errors.Add(message);
            }
    }

    /// <summary>One audit entry with the fields this save changes (before and after), none when nothing changed.</summary>
    private async Task RecordChangesAsync(SiteSettings s, CancellationToken ct)
    {
        db.ChangeTracker.DetectChanges();
        var changed = db.Entry(s).Properties.Where(p => p.IsModified && !Equals(p.OriginalValue, p.CurrentValue)).ToList();
        if (changed.Count == 0) return;
        var before = changed.ToDictionary(p => p.Metadata.Name, p => Shown(p.OriginalValue));
        var after = changed.ToDictionary(p => p.Metadata.Name, p => Shown(p.CurrentValue));
        await audit.RecordAsync(new AuditRecord(User.UserId()!, AuditKinds.SettingsChange, "settings", "site", Reason, before, after), ct);
    }

    /// <summary>Enums by name, the rest as they are (JSON).</summary>
    private static object? Shown(object? value) => value is Enum e ? e.ToString() : value;
}
