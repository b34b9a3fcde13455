using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using Wenku.Web.Localization;

namespace Wenku.Web;

/// <summary>
/// Every 4xx/5xx of the site as a page in the site's style with a way on (home; back, sign-in or upload where they
/// help); the API (<c>/api/…</c>) gets the same answer as problem details, in the request's language.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel(Microsoft.Extensions.Options.IOptions<WenkuOptions> options, IStringLocalizer<SharedResource> T) : PageModel
{
    public int Status { get; private set; } = StatusCodes.Status500InternalServerError;
    public string Title { get; private set; } = "";
    public string Message { get; private set; } = "";

    /// <summary>The page the reader came from on this site, for a "back" link (null when unknown or elsewhere).</summary>
    public string? BackUrl { get; private set; }

    /// <summary>Sign-in with a way back to the refused page, when signing in could help (403 to an anonymous reader).</summary>
    public string? SignInUrl { get; private set; }

    /// <summary>Where a too-large upload can be tried again.</summary>
    public bool ShowUpload { get; private set; }

    /// <summary>The refusing endpoint's own words and way on (<see cref="Explain"/>), when it gave them.</summary>
    public Explanation? Explained { get; private set; }

    /// <summary>What an endpoint that answers a bare status (for this page to show) knows better than the status alone.</summary>
    /// <param name="Status">The status it answers with: the explanation is shown only for that one.</param>
    /// <param name="WayOnUrl">A local address that helps (e.g. the document's download), shown as the first way on.</param>
    public sealed record Explanation(int Status, string Title, string Message, string WayOnUrl, string WayOnText);

    /// <summary>Gives this page <paramref name="explanation"/> for the status the endpoint is about to answer (the re-executed request shares the context's items).</summary>
    public static void Explain(HttpContext http, Explanation explanation) => http.Items[typeof(Explanation)] = explanation;

    // No handler parameters: binding one would read the form of a re-executed POST, which ASP.NET refuses (with an
    // exception) after a failed antiforgery check, turning the 400 page into a 500.
    public IActionResult OnGet() => Describe();
    public IActionResult OnPost() => Describe();

    private IActionResult Describe()
    {
        int? code = int.TryParse(Request.Query["code"], out var c) ? c : null;
        if (code is null && HttpContext.Features.Get<IExceptionHandlerFeature>() is not null) code = Response.StatusCode;
        Status = code is >= 400 and < 600 ? code.Value : StatusCodes.Status500InternalServerError;
        (Title, Message) = Status switch
        {
            400 => (T["请求有误"].Value, T["这个请求无法处理（表单可能已过期）。请返回上一页刷新后重试。"].Value),
            403 => (T["没有权限"].Value, T["你没有权限查看这里。"].Value),
            404 => (T["找不到页面"].Value, T["这个页面不存在或已被删除。"].Value),
            405 => (T["不支持的请求方式"].Value, T["这个地址不接受这种请求。请从网站的链接或表单进入。"].Value),
            413 => (T["文件太大"].Value, T.Text("上传的文件超过 {0} 上限。", Text.ByteSize.Format(options.Value.MaxUploadBytes))),
            429 => (T["操作太频繁"].Value, T["请稍等一分钟再试。"].Value),
            503 => (T["暂时不可用"].Value,
                ServiceUnavailable.Message(T, ServiceUnavailable.PartDown(HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error))),
            507 => (T["服务器磁盘已满"].Value, T["服务器磁盘已满，暂时不能接收上传，已有文档不受影响。"].Value),
            _ when Status < 500 => (T["请求有误"].Value, T["请返回上一页重试。"].Value),
            _ => (T["出错了"].Value, T["错误已记录，请稍后再试。"].Value),
        };
        if (code is not null && HttpContext.Items[typeof(Explanation)] is Explanation explained && explained.Status == Status)
            (Title, Message, Explained) = (explained.Title, explained.Message, explained);
        // Opened on its own (no code, no exception) the page is just a page: 200.
        if (code is not null) Response.StatusCode = Status;

        // An API client gets the same answer as problem details, never an HTML page.
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath
            ?? HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path;
        if (original is not null && original.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return new ObjectResult(new ProblemDetails { Status = Status, Title = Title, Detail = Message })
            {
                StatusCode = Status,
                ContentTypes = { "application/problem+json" },
            };
        }

        var reExecuted = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        var refused = reExecuted is null ? original : reExecuted.OriginalPath + reExecuted.OriginalQueryString;
        if (Status == StatusCodes.Status403Forbidden && User.Identity?.IsAuthenticated != true)
            SignInUrl = "/account/login?returnUrl=" + Uri.EscapeDataString(string.IsNullOrEmpty(refused) ? "/" : refused);
        ShowUpload = Status is StatusCodes.Status413PayloadTooLarge or StatusCodes.Status507InsufficientStorage;
        BackUrl = LocalReferrer();
        return Page();
    }

    /// <summary>The Referer when it is a page of this site other than the one that failed.</summary>
    private string? LocalReferrer()
    {
        if (!Uri.TryCreate(Request.Headers.Referer.ToString(), UriKind.Absolute, out var from)) return null;
        if (!string.Equals(from.Authority, Request.Host.Value, StringComparison.OrdinalIgnoreCase)) return null;
        var local = from.PathAndQuery;
        return local.StartsWith('/') && !local.StartsWith("//", StringComparison.Ordinal) ? local : null;
    }
}
