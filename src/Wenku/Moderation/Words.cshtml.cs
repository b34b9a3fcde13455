using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Wenku.Accounts;
using Wenku.Data;

namespace Wenku.Moderation;

/// <summary>The sensitive-word list (敏感词) for staff: search and page through it, add, delete, import, export.</summary>
[Authorize(Policy = Roles.StaffPolicy)]
public sealed class WordsModel(WenkuDb db, WordList list, IStringLocalizer<SharedResource> T) : PageModel
{
    public const int PageSize = 50;
    public const int MaxReason = StaffReason.MaxLength;

    public sealed record Row(long Id, string Pattern, WordAction Action, DateTime CreatedAt);

    public IReadOnlyList<Row> Words { get; private set; } = [];
    public int Total { get; private set; }
    public int Matching { get; private set; }
    public int PageNumber { get; private set; } = 1;
    public int Pages { get; private set; } = 1;
    public string? Q { get; private set; }
    public string? Message { get; private set; }
    public string? Error { get; private set; }
    public WordImport? Imported { get; private set; }

    // The add form, kept as typed when refused.
    [BindProperty] public string? Word { get; set; }
    [BindProperty] public string? Action { get; set; } = "block";
    [BindProperty] public string? Reason { get; set; }

    public async Task OnGetAsync(string? q, int page, CancellationToken ct) => await LoadAsync(q, page, ct);

    /// <summary>Adds one word.</summary>
    public async Task<IActionResult> OnPostAddAsync(CancellationToken ct)
    {
        if (Refuse(ParseReason(out var reason) ?? (WordList.ParseAction(Action) is null ? T["请选择动作（block 或 review）。"].Value : null)) is { } refused)
            return await PageAsync(refused, ct);
        var error = await list.AddAsync(Word, WordList.ParseAction(Action)!.Value, reason, User.UserId()!, ct);
        if (error is not null) return await PageAsync(Refuse(error)!, ct, status: error.StartsWith(T["已在列表中：“{0}”。"].Value.Split("{0}")[0], StringComparison.Ordinal) ? 409 : 400);
        Message = T.Text("已添加“{0}”。", Text.SafeText.OneLine(Word));
        Word = null;
        Reason = null;
        return await PageAsync(null, ct);
    }

    /// <summary>Deletes one word.</summary>
    public async Task<IActionResult> OnPostDeleteAsync(long id, CancellationToken ct)
    {
        if (ParseReason(out var reason) is { } why) return await PageAsync(Refuse(why)!, ct);
        if (!await list.DeleteAsync(id, reason, User.UserId()!, ct)) return NotFound();
        Message = T["已删除。"];
        Reason = null;
        return await PageAsync(null, ct);
    }

    /// <summary>Imports a text file: <c>word</c> or <c>word&lt;TAB&gt;block|review</c> a line.</summary>
    public async Task<IActionResult> OnPostImportAsync(IFormFile? file, string? defaultAction, CancellationToken ct)
    {
        if (ParseReason(out var reason) is { } why) return await PageAsync(Refuse(why)!, ct);
        if (file is null || file.Length == 0) return await PageAsync(Refuse(T["请选择一个非空的文本文件。"])!, ct);
        if (file.Length > WordList.MaxImportBytes)
            return await PageAsync(Refuse(T.Text("文件超过 {0}。", Text.ByteSize.Format(WordList.MaxImportBytes)))!, ct, status: 413);
        if (WordList.ParseAction(defaultAction) is not { } action) return await PageAsync(Refuse(T["请选择默认动作（block 或 review）。"])!, ct);
        await using var stream = file.OpenReadStream();
        var result = await list.ImportAsync(stream, action, reason, User.UserId()!, ct);
        if (result.Refused is not null) return await PageAsync(Refuse(result.Refused)!, ct);
        Imported = result;
        Reason = null;
        return await PageAsync(null, ct);
    }

    private string? ParseReason(out string reason)
    {
        reason = Text.SafeText.OneLine(Reason);
        if (reason.Length == 0) return T["请填写理由。"];
        if (reason.Length > MaxReason) return T.Text("理由最多 {0} 个字符。", MaxReason);
        return null;
    }

    private string? Refuse(string? error) => Error = error;

    private async Task<IActionResult> PageAsync(string? error, CancellationToken ct, int status = 400)
    {
        if (error is not null) Response.StatusCode = status;
        await LoadAsync(Request.Query["q"], int.TryParse(Request.Query["page"], out var p) ? p : 1, ct);
        return Page();
    }

    private async Task LoadAsync(string? q, int page, CancellationToken ct)
    {
        Q = Text.SafeText.OneLine(q);
        Total = await db.SensitiveWords.CountAsync(ct);
        var query = db.SensitiveWords.AsNoTracking();
        if (Q.Length > 0)
        {
            // The search folds like the matcher: 敏 感, 敏感 and 敏感 in traditional all find 敏感.
            var key = WordMatcher.Key(Q);
            query = key.Length > 0 ? query.Where(w => w.Folded.Contains(key) || w.Pattern.Contains(Q)) : query.Where(w => w.Pattern.Contains(Q));
        }
        Matching = await query.CountAsync(ct);
        Pages = Math.Max(1, (Matching + PageSize - 1) / PageSize);
        PageNumber = Math.Clamp(page, 1, Pages);
        Words = await query.OrderByDescending(w => w.Id).Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(w => new Row(w.Id, w.Pattern, w.Action, w.CreatedAt)).ToListAsync(ct);
    }
}
