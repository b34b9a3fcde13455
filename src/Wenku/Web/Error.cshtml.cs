using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Wenku.Web;

[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "出错了 Something went wrong";
    public string Message { get; private set; } = "The error has been logged; please try again.";

    // No handler parameters: binding one would read the form of a re-executed POST, which ASP.NET refuses (with an
    // exception) after a failed antiforgery check, turning the 400 page into a 500.
    public void OnGet() => Describe();
    public void OnPost() => Describe();

    private void Describe()
    {
        int? code = int.TryParse(Request.Query["code"], out var c) ? c : null;
        (Title, Message) = code switch
        {
            404 => ("找不到页面 Not found", "这个页面不存在或已被删除。This page does not exist or was removed."),
            403 => ("没有权限 Not allowed", "你没有权限查看这里。You may not see this."),
            413 => ("文件太大 Too large", "上传的文件超过大小上限。The upload is larger than the limit."),
            429 => ("操作太频繁 Too many requests", "请稍等一分钟再试。Please wait a minute and try again."),
            400 => ("请求有误 Bad request", "请返回上一页重试。Go back and try again."),
            _ => (Title, Message),
        };
        if (code is >= 400 and < 600) Response.StatusCode = code.Value;
    }
}
