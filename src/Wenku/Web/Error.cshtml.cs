using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Wenku.Web;

[IgnoreAntiforgeryToken]
public sealed class ErrorModel(Microsoft.Extensions.Options.IOptions<WenkuOptions> options) : PageModel
{
    public string Title { get; private set; } = "出错了 Something went wrong";
    public string Message { get; private set; } = "The error has been logged; please try again.";

    // No handler parameters: binding one would read the form of a re-executed POST, which ASP.NET refuses (with an
    // exception) after a failed antiforgery check, turning the 400 page into a 500.
    public IActionResult OnGet() => Describe();
    public IActionResult OnPost() => Describe();

    private IActionResult Describe()
    {
        int? code = int.TryParse(Request.Query["code"], out var c) ? c : null;
        if (code is null && HttpContext.Features.Get<IExceptionHandlerFeature>() is not null) code = Response.StatusCode;
        (Title, Message) = code switch
        {
            404 => ("找不到页面 Not found", "这个页面不存在或已被删除。This page does not exist or was removed."),
            403 => ("没有权限 Not allowed", "你没有权限查看这里。You may not see this."),
            413 => ("文件太大 Too large", $"上传的文件超过 {Text.ByteSize.Format(options.Value.MaxUploadBytes)} 上限。The upload is larger than the {Text.ByteSize.Format(options.Value.MaxUploadBytes)} limit."),
            429 => ("操作太频繁 Too many requests", "请稍等一分钟再试。Please wait a minute and try again."),
            400 => ("请求有误 Bad request", "请返回上一页重试。Go back and try again."),
            503 => ("暂时不可用 Temporarily unavailable",
                ServiceUnavailable.Message(ServiceUnavailable.PartDown(HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error))),
            507 => ("服务器磁盘已满 The server's disk is full", Storage.DiskSpace.FullMessage),
            _ => (Title, Message),
        };
        if (code is >= 400 and < 600) Response.StatusCode = code.Value;

        // An API client gets the same answer as problem details, never an HTML page.
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath
            ?? HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path;
        if (original is not null && original.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            var status = code is >= 400 and < 600 ? code.Value : StatusCodes.Status500InternalServerError;
            return new ObjectResult(new ProblemDetails { Status = status, Title = Title, Detail = Message })
            {
                StatusCode = status,
                ContentTypes = { "application/problem+json" },
            };
        }
        return Page();
    }
}
