using Microsoft.Extensions.Options;
using Wenku.Commerce.Alipay;

namespace Wenku.Commerce;

/// <summary>Alipay's asynchronous notification (<c>notify_url</c>): anonymous, form-encoded, answered in plain text.</summary>
public static class RechargeEndpoints
{
    public static void MapRechargeEndpoints(this IEndpointRouteBuilder app)
    {
        // Alipay posts from its servers: no session, no antiforgery token; the RSA2 signature is what is checked.
        app.MapPost("/pay/alipay/notify", NotifyAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }

    /// <summary>
    /// <c>success</c> when the notification is taken (credited now, credited before, or nothing to do); <c>failure</c>
    /// when refused (forged, another app, unknown order, wrong amount) or not taken now (the database is away): Alipay
    /// sends it again later, for about 25 hours.
    /// </summary>
    private static async Task<IResult> NotifyAsync(HttpRequest request, IOptions<AlipayOptions> options, RechargeService recharges,
        ILogger<RechargeService> log, CancellationToken ct)
    {
        if (!options.Value.Enabled) return Results.NotFound();
        if (!request.HasFormContentType)
        {
            log.LogWarning("Alipay notification refused: not a form ({ContentType})", request.ContentType);
            return Failure();
        }
        try
        {
            var check = AlipayNotification.Parse(await request.ReadFormAsync(ct), options.Value);
            if (!check.Accepted)
            {
                log.LogWarning("Alipay notification refused from {Address}: {Reason} ({Message})",
                    request.HttpContext.Connection.RemoteIpAddress, check.Refusal.Reason, check.Refusal.Message);
                return Failure();
            }
            var outcome = await recharges.TakeNotificationAsync(check.Notification, ct);
            if (!outcome.Accepted)
                log.LogWarning("Alipay notification {NotifyId} for {OutTradeNo} refused: {What}", check.Notification.NotifyId, check.Notification.OutTradeNo, outcome.What);
            return outcome.Accepted ? Results.Text("success", "text/plain") : Failure();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogError(e, "Alipay notification not taken (Alipay will send it again)");
            return Failure();
        }
    }

    private static IResult Failure() => Results.Text("failure", "text/plain");
}
