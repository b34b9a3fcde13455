using Xunit;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Comments;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;
using static Wenku.Tests.Web.Answer;

namespace Wenku.Tests.Web;

/// <summary>
/// Walks every route of the running site as anonymous, user, owner, moderator and admin. The routes come from the
/// app's own endpoint list, so a route added without a row in <see cref="AuthorizationWalkTests.Table"/> fails the walk.
/// </summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class AuthorizationWalkTests(WalkSite site) : IClassFixture<WalkSite>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// What each identity gets from each route. Keys are "METHOD pattern" as the app declares them ("*" when the
    /// endpoint takes any method); a route may have several cases (a free, a paid, a failed document…).
    /// </summary>
    private static readonly Probe[] Table =
    [
        // Public pages.
        new("GET /", "home", _ => "/", Everyone(Ok)),
        new("GET /search", "search with words", _ => "/search?q=Paragraph", Everyone(Ok)),
        new("GET /search", "search with filters and sort", _ => "/search?q=Paragraph&format=pdf&price=free&sort=newest", Everyone(Ok)),
        new("GET /c/{slug}", "a category", _ => "/c/other", Everyone(Ok)),
        new("GET /c/{slug}", "no such category", _ => "/c/no-such-category", Everyone(NotFound)),
        new("GET /u/{id}", "the owner's profile", w => $"/u/{w.IdOf(Who.Owner)}", Everyone(Moved)),
        new("GET /u/{id}", "no such user", _ => "/u/nobody", Everyone(NotFound)),
        new("GET /error", "the error page", _ => "/error", Everyone(Ok)),
        new("GET /lang/{culture}", "switch to Chinese (the default: later rows read Chinese)", _ => "/lang/zh-CN?returnUrl=/search", Everyone(Redirect)),
        new("GET /lang/{culture}", "no such language", _ => "/lang/xx", Everyone(NotFound)),
        new("POST /error", "a failed form post re-executed into the error page", _ => "/error", Everyone(Ok)),
        new("* /health/live", "liveness", _ => "/health/live", Everyone(Ok)),
        new("* /health/ready", "readiness", _ => "/health/ready", Everyone(Ok)),
        // Metrics (on in this site) answer only Wenku:Metrics:AllowedNetworks, whoever is signed in; the in-memory test
        // client has no address on any network, so it is refused like a reader from outside.
        new("* /metrics", "Prometheus metrics, from outside the allowed networks", _ => "/metrics", Everyone(Forbidden)),
        new("GET /openapi/{documentName}.json", "the OpenAPI document", _ => "/openapi/v1.json", Everyone(Ok)),
        new("GET /openapi/{documentName}.json", "no such OpenAPI document", _ => "/openapi/nope.json", Everyone(NotFound)),

        // Accounts. Sign-in, registration and sign-out change the session, so each runs in a session of its own.
        new("GET /account/login", "the sign-in form", _ => "/account/login", Everyone(Ok)),
        new("POST /account/login", "right password", _ => "/account/login", Everyone(Redirect))
            { Form = (w, who) => new() { ["Email"] = w.EmailOf(who == Who.Anonymous ? Who.User : who), ["Password"] = TestUsers.Password }, FreshSession = true },
        new("POST /account/login", "wrong password", _ => "/account/login", Everyone(BadRequest))
            { Form = (w, _) => new() { ["Email"] = w.EmailOf(Who.User), ["Password"] = "not the password" } },
        new("GET /account/register", "the registration form", _ => "/account/register", Everyone(Ok)),
        new("POST /account/register", "a new account", _ => "/account/register", Everyone(Redirect))
            { Form = (_, _) => new() { ["Email"] = $"new-{Guid.NewGuid():N}@walk.test", ["DisplayName"] = "新读者", ["Password"] = TestUsers.Password }, FreshSession = true },
        new("POST /account/logout", "sign out", _ => "/account/logout", Everyone(Redirect)) { FreshSession = true },

        // The document page.
        new("GET /d/{id:long}", "ready free document", w => $"/d/{w.FreeDoc}", Everyone(Ok)),
        new("GET /d/{id:long}", "ready paid document", w => $"/d/{w.PaidDoc}", Everyone(Ok)),
        new("GET /d/{id:long}", "failed document", w => $"/d/{w.FailedDoc}", OwnerAndStaff(NotFound, Ok)),
        new("GET /d/{id:long}", "queued document", w => $"/d/{w.QueuedDoc}", OwnerAndStaff(NotFound, Ok)),
        new("GET /d/{id:long}", "held near duplicate", async w => $"/d/{await w.HeldDocAsync()}", OwnerAndStaff(NotFound, Ok)),
        new("GET /d/{id:long}", "no such document", _ => "/d/999999", Everyone(NotFound)),

        // Page images on the site (cookie) …
        new("GET /d/{id:long}/page/{n:int}.jpg", "first page", w => $"/d/{w.FreeDoc}/page/1.jpg", Everyone(Ok)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "last preview page", w => $"/d/{w.FreeDoc}/page/2.jpg", Everyone(Ok)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "first page past the preview", w => $"/d/{w.FreeDoc}/page/3.jpg", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "last page", w => $"/d/{w.FreeDoc}/page/6.jpg", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "paid, past the preview", w => $"/d/{w.PaidDoc}/page/3.jpg", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "page after the last", w => $"/d/{w.FreeDoc}/page/7.jpg", Everyone(NotFound)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "page zero", w => $"/d/{w.FreeDoc}/page/0.jpg", Everyone(NotFound)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "failed document", w => $"/d/{w.FailedDoc}/page/1.jpg", Everyone(NotFound)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "queued document", w => $"/d/{w.QueuedDoc}/page/1.jpg", Everyone(NotFound)),

        // … the same by HEAD (size and dates first), after the same checks …
        new("HEAD /d/{id:long}/page/{n:int}.jpg", "first page", w => $"/d/{w.FreeDoc}/page/1.jpg", Everyone(Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.jpg", "first page past the preview", w => $"/d/{w.FreeDoc}/page/3.jpg", OwnerAndStaff(Forbidden, Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.jpg", "paid, past the preview", w => $"/d/{w.PaidDoc}/page/3.jpg", OwnerAndStaff(Forbidden, Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.jpg", "failed document", w => $"/d/{w.FailedDoc}/page/1.jpg", Everyone(NotFound)),

        // … downloads …
        new("POST /d/{id:long}/download", "free document", w => $"/d/{w.FreeDoc}/download", SignedIn(ToLogin, Ok)),
        new("POST /d/{id:long}/download", "paid document, not bought", w => $"/d/{w.PaidDoc}/download", new(ToLogin, PaymentRequired, Ok, Ok, Ok)),
        new("POST /d/{id:long}/download", "failed document", w => $"/d/{w.FailedDoc}/download", new(ToLogin, NotFound, Forbidden, Forbidden, Forbidden)),
        new("POST /d/{id:long}/download", "no such document", _ => "/d/999999/download", SignedIn(ToLogin, NotFound)),

        // … and comments.
        new("POST /d/{id:long}/comments", "comment on a ready document", w => $"/d/{w.FreeDoc}/comments", SignedIn(ToLogin, Redirect))
            { Form = (_, who) => new() { ["body"] = $"{who} 走过这里 walked here" } },
        new("POST /d/{id:long}/comments", "comment on a queued document", w => $"/d/{w.QueuedDoc}/comments", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["body"] = "还没转换完 not converted yet" } },
        new("POST /d/{id:long}/comments", "no such document", _ => "/d/999999/comments", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["body"] = "无处 nowhere" } },
        new("POST /comments/{id:long}/delete", "the owner's comment", async w => $"/comments/{await w.CommentByAsync(Who.Owner)}/delete", new(ToLogin, Forbidden, Redirect, Redirect, Redirect)),
        new("POST /comments/{id:long}/delete", "the user's comment", async w => $"/comments/{await w.CommentByAsync(Who.User)}/delete", new(ToLogin, Redirect, Forbidden, Redirect, Redirect)),
        new("POST /comments/{id:long}/delete", "no such comment", _ => "/comments/999999/delete", SignedIn(ToLogin, NotFound)),

        // Uploading and one's own documents.
        new("GET /upload", "the upload form", _ => "/upload", SignedIn(ToLogin, Ok)),
        new("POST /upload", "a post without a file (the form comes back with the reason)", _ => "/upload", SignedIn(ToLogin, Ok))
            { Form = (_, _) => new() { ["Title"] = "无文件 no file" } },
        new("GET /me", "my documents", _ => "/me", SignedIn(ToLogin, Ok)),
        new("POST?handler=DismissSignInNotice /me", "dismiss the failed sign-in notice", _ => "/me?handler=DismissSignInNotice", SignedIn(ToLogin, Redirect)),
        new("GET /me/password", "the password form", _ => "/me/password", SignedIn(ToLogin, Ok)),
        new("POST /me/password", "a wrong current password (the form comes back with the reason)", _ => "/me/password", SignedIn(ToLogin, BadRequest))
            { Form = (_, _) => new() { ["CurrentPassword"] = "not the password", ["NewPassword"] = "another long passphrase" } },
        new("GET /me/tokens", "my API tokens", _ => "/me/tokens", SignedIn(ToLogin, Ok)),
        new("POST /me/tokens", "create a token", _ => "/me/tokens", SignedIn(ToLogin, Ok))
            { Form = (_, who) => new() { ["Name"] = $"walk {who}", ["ExpiresDays"] = "1" } },
        new("POST?handler=Revoke /me/tokens", "revoke a token of the owner", async w => $"/me/tokens?handler=revoke&id={await w.TokenOfOwnerAsync()}", new(ToLogin, NotFound, Redirect, NotFound, NotFound)),

        // Administration.
        new("GET /admin/settings", "site settings", _ => "/admin/settings", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("POST /admin/settings", "save site settings", _ => "/admin/settings", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok))
            { Form = (_, _) => new() { ["DefaultPreviewPages"] = "5", ["Notices"] = SiteSettings.DefaultNotices, ["UploaderSharePercent"] = "70", ["PointsPerYuan"] = "10", ["MinimumWithdrawal"] = "1000" } },

        // Recharge through Alipay. Alipay is not configured on this site: the page says so, the rest is not there
        // (RechargeTests prove them with Alipay on).
        new("GET /me/wallet/recharge", "the recharge page", _ => "/me/wallet/recharge", SignedIn(ToLogin, Ok)),
        new("POST /me/wallet/recharge", "recharge when Alipay is off", _ => "/me/wallet/recharge", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["Yuan"] = "10", ["Channel"] = "page" } },
        new("POST /pay/alipay/notify", "a notification when Alipay is off", _ => "/pay/alipay/notify", Everyone(NotFound))
            { Form = (_, _) => new() { ["out_trade_no"] = "R1", ["sign"] = "forged" } },
        new("GET /pay/alipay/return", "the return page when Alipay is off", _ => "/pay/alipay/return?out_trade_no=R1&sign=forged", Everyone(NotFound)),
        // Withdrawals and refunds (the withdraw slice). The walk's people have no earned points: a request is refused with
        // the reason; each decision acts on a withdrawal or purchase made for it.
        new("GET /me/wallet/withdraw", "the withdraw form and my withdrawals", _ => "/me/wallet/withdraw", SignedIn(ToLogin, Ok)),
        new("POST /me/wallet/withdraw", "below the minimum (the form comes back with the reason)", _ => "/me/wallet/withdraw", SignedIn(ToLogin, BadRequest))
            { Form = (_, _) => new() { ["Points"] = "1", ["Payee"] = "alipay@walk.test", ["FormKey"] = Guid.NewGuid().ToString("N") } },
        new("POST?handler=Cancel /me/wallet/withdraw", "cancel a waiting withdrawal of the owner", async w => $"/me/wallet/withdraw?handler=cancel&id={await w.WithdrawalAsync(w.IdOfOwner())}",
            new(ToLogin, NotFound, Redirect, NotFound, NotFound)),
        new("GET /admin/finance/withdrawals", "the withdrawals queue", _ => "/admin/finance/withdrawals?state=all", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("POST?handler=Pay /admin/finance/withdrawals", "pay a waiting withdrawal", async w => $"/admin/finance/withdrawals?handler=pay&id={await w.WithdrawalAsync(w.IdOfOwner())}",
            new(ToLogin, Forbidden, Forbidden, Forbidden, Redirect)) { Form = (_, _) => new() { ["reference"] = "WALK-0001" } },
        new("POST?handler=Pay /admin/finance/withdrawals", "pay a rejected withdrawal", async w => $"/admin/finance/withdrawals?handler=pay&id={await w.RejectedWithdrawalAsync(w.IdOfOwner())}",
            new(ToLogin, Forbidden, Forbidden, Forbidden, Conflict)) { Form = (_, _) => new() { ["reference"] = "WALK-0002" } },
        new("POST?handler=Reject /admin/finance/withdrawals", "reject a waiting withdrawal", async w => $"/admin/finance/withdrawals?handler=reject&id={await w.WithdrawalAsync(w.IdOfOwner())}",
            new(ToLogin, Forbidden, Forbidden, Forbidden, Redirect)) { Form = (_, _) => new() { ["reason"] = "走查 walk" } },
        new("POST?handler=Reject /admin/finance/withdrawals", "no such withdrawal", _ => "/admin/finance/withdrawals?handler=reject&id=999999",
            new(ToLogin, Forbidden, Forbidden, Forbidden, NotFound)) { Form = (_, _) => new() { ["reason"] = "走查 walk" } },
        new("GET /admin/finance/purchases", "purchases of a document", w => $"/admin/finance/purchases?q={w.PaidDoc}", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("POST?handler=Refund /admin/finance/purchases", "refund a purchase", async w => $"/admin/finance/purchases?handler=refund&id={(await w.SaleAsync(w.IdOfOwner(), 10)).PurchaseId}",
            new(ToLogin, Forbidden, Forbidden, Forbidden, Redirect)) { Form = (_, _) => new() { ["reason"] = "走查 walk" } },
        new("POST?handler=Refund /admin/finance/purchases", "refund a refunded purchase", async w => $"/admin/finance/purchases?handler=refund&id={await w.RefundedPurchaseAsync(w.IdOfOwner())}",
            new(ToLogin, Forbidden, Forbidden, Forbidden, Conflict)) { Form = (_, _) => new() { ["reason"] = "走查 walk" } },
        // Commerce: redeem codes, grants, the finance overview (slice "codes").
        new("GET /me/wallet/redeem", "the redeem form", _ => "/me/wallet/redeem", SignedIn(ToLogin, Ok)),
        new("POST /me/wallet/redeem", "a code that does not exist", _ => "/me/wallet/redeem", SignedIn(ToLogin, BadRequest))
            { Form = (_, _) => new() { ["Code"] = "2222-3333-4444-5555" } },
        new("GET /admin/finance", "the finance overview", _ => "/admin/finance", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("GET /admin/finance", "recharge orders in one state", _ => "/admin/finance?state=Pending", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("GET /admin/finance/grant", "the grant form", _ => "/admin/finance/grant", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("POST /admin/finance/grant", "grant a point", _ => "/admin/finance/grant", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok))
            { Form = (w, _) => new() { ["Email"] = w.EmailOf(Who.User), ["Points"] = "1", ["Reason"] = "walk", ["FormKey"] = Guid.NewGuid().ToString("N") } },
        new("GET /admin/finance/codes", "the code batches", _ => "/admin/finance/codes", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("POST /admin/finance/codes", "generate a batch", _ => "/admin/finance/codes", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok))
            { Form = (_, _) => new() { ["Count"] = "2", ["Points"] = "5", ["ExpiresOn"] = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd"), ["FormKey"] = Guid.NewGuid().ToString("N") } },
        new("GET /admin/finance/codes/{id:long}/csv", "a batch as CSV", async w =>
        {
            await using var scope = w.Services.CreateAsyncScope();
            var batch = await scope.ServiceProvider.GetRequiredService<Wenku.Commerce.RedeemCodes>()
                .GenerateAsync(1, 5, DateTime.UtcNow.AddDays(30), "walk", w.IdOf(Who.Admin), null, CancellationToken.None);
            return $"/admin/finance/codes/{batch.Id}/csv";
        }, new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("GET /admin/finance/codes/{id:long}/csv", "no such batch", _ => "/admin/finance/codes/999999999/csv", new(ToLogin, Forbidden, Forbidden, Forbidden, NotFound)),
        // Money pages of the reader and the uploader (wallet slice).
        new("GET /me/wallet", "my wallet", _ => "/me/wallet", SignedIn(ToLogin, Ok)),
        new("GET /me/wallet", "a filter that is not a date", _ => "/me/wallet?from=yesterday", SignedIn(ToLogin, BadRequest)),
        new("GET /me/earnings", "my earnings", _ => "/me/earnings?days=90", SignedIn(ToLogin, Ok)),
        new("GET /me/earnings", "a chart span other than 30 or 90 days", _ => "/me/earnings?days=7", SignedIn(ToLogin, BadRequest)),
        // Buying on the site (the buy slice): the confirmation and the purchase. The walk's user has no points; the owner
        // and staff have every document already and are sent to its download button, as are readers of a free one.
        new("GET /d/{id:long}/buy", "paid document", w => $"/d/{w.PaidDoc}/buy", new(ToLogin, Ok, Redirect, Redirect, Redirect)),
        new("GET /d/{id:long}/buy", "free document", w => $"/d/{w.FreeDoc}/buy", SignedIn(ToLogin, Redirect)),
        new("GET /d/{id:long}/buy", "failed document", w => $"/d/{w.FailedDoc}/buy", new(ToLogin, NotFound, Redirect, Redirect, Redirect)),
        new("GET /d/{id:long}/buy", "no such document", _ => "/d/999999/buy", SignedIn(ToLogin, NotFound)),
        new("POST /d/{id:long}/buy", "paid document at its price, no points", w => $"/d/{w.PaidDoc}/buy", new(ToLogin, PaymentRequired, Redirect, Redirect, Redirect))
            { Form = (_, _) => new() { ["expectedPrice"] = "5", ["key"] = Guid.NewGuid().ToString("N") } },
        new("POST /d/{id:long}/buy", "paid document at an old price", w => $"/d/{w.PaidDoc}/buy", new(ToLogin, Conflict, Redirect, Redirect, Redirect))
            { Form = (_, _) => new() { ["expectedPrice"] = "3", ["key"] = Guid.NewGuid().ToString("N") } },
        new("POST /d/{id:long}/buy", "a form without price and key", w => $"/d/{w.PaidDoc}/buy", new(ToLogin, BadRequest, Redirect, Redirect, Redirect)),
        new("POST /d/{id:long}/buy", "no such document", _ => "/d/999999/buy", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["expectedPrice"] = "5", ["key"] = Guid.NewGuid().ToString("N") } },
        // Claims (认领) on the site (claims slice): the form (not for the uploader), one's claims, the evidence for staff.
        new("GET /d/{id:long}/claim", "the claim form", w => $"/d/{w.FreeDoc}/claim", new(ToLogin, Ok, Forbidden, Ok, Ok)),
        new("GET /d/{id:long}/claim", "no such document", _ => "/d/999999/claim", SignedIn(ToLogin, NotFound)),
        new("GET /d/{id:long}/claim", "queued document", w => $"/d/{w.QueuedDoc}/claim", SignedIn(ToLogin, NotFound)),
        new("POST /d/{id:long}/claim", "a claim without a statement", w => $"/d/{w.FreeDoc}/claim", new(ToLogin, BadRequest, Forbidden, BadRequest, BadRequest))
            { Form = (_, _) => new() { ["Statement"] = "", ["Outcome"] = "transfer" } },
        new("GET /me/claims", "my claims", _ => "/me/claims", SignedIn(ToLogin, Ok)),
        new("GET /admin/claims/{id:long}/evidence", "a claim's evidence", async w => $"/admin/claims/{await w.ClaimWithEvidenceAsync()}/evidence",
            new(ToLogin, Forbidden, Forbidden, Ok, Ok)),
        new("GET /admin/claims/{id:long}/evidence", "no such claim", _ => "/admin/claims/999999999/evidence", new(ToLogin, Forbidden, Forbidden, NotFound, NotFound)),

        // Users (slice "users"): search, a user's page, role changes (admins) and bans (staff; staff targets: admins), on
        // a fresh reader each time so the walk's own people keep their roles and sessions.
        new("GET /admin/users", "search users", w => $"/admin/users?q={w.EmailOf(Who.Owner)}", new(ToLogin, Forbidden, Forbidden, Ok, Ok)),
        new("GET /admin/users/{id}", "the owner's page", w => $"/admin/users/{w.IdOf(Who.Owner)}", new(ToLogin, Forbidden, Forbidden, Ok, Ok)),
        new("GET /admin/users/{id}", "no such user", _ => "/admin/users/nobody", new(ToLogin, Forbidden, Forbidden, NotFound, NotFound)),
        new("POST?handler=Role /admin/users/{id}", "make a reader a moderator", async w => $"/admin/users/{await w.CreateUserAsync($"walk-role-{Guid.NewGuid():N}@walk.test")}?handler=role",
            new(ToLogin, Forbidden, Forbidden, Forbidden, Redirect)) { Form = (_, _) => new() { ["role"] = Roles.Moderator, ["reason"] = "走查 walk" } },
        new("POST?handler=Ban /admin/users/{id}", "ban a reader", async w => $"/admin/users/{await w.CreateUserAsync($"walk-ban-{Guid.NewGuid():N}@walk.test")}?handler=ban",
            new(ToLogin, Forbidden, Forbidden, Redirect, Redirect)) { Form = (_, _) => new() { ["reason"] = "走查 walk" } },
        new("POST?handler=Ban /admin/users/{id}", "ban the admin", w => $"/admin/users/{w.IdOf(Who.Admin)}?handler=ban",
            new(ToLogin, Forbidden, Forbidden, Forbidden, Forbidden)) { Form = (_, _) => new() { ["reason"] = "走查 walk" } },
        new("POST?handler=Unban /admin/users/{id}", "unban a reader who is not banned", async w => $"/admin/users/{await w.CreateUserAsync($"walk-unban-{Guid.NewGuid():N}@walk.test")}?handler=unban",
            new(ToLogin, Forbidden, Forbidden, Conflict, Conflict)) { Form = (_, _) => new() { ["reason"] = "走查 walk" } },
        // The audit log and notifications (the audit slice): the log is for admins only; notifications are each reader's own.
        new("GET /admin/audit", "the audit log", _ => "/admin/audit", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("GET /admin/audit", "filtered by kind and dates", _ => "/admin/audit?kind=settings.change&from=2020-01-01&to=2099-12-31", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("GET /admin/audit", "a date that is not a date", _ => "/admin/audit?from=yesterday", new(ToLogin, Forbidden, Forbidden, Forbidden, BadRequest)),
        new("GET /admin/audit/export", "the audit log as CSV", _ => "/admin/audit/export?kind=points.grant", new(ToLogin, Forbidden, Forbidden, Forbidden, Ok)),
        new("GET /admin/audit/export", "no such kind", _ => "/admin/audit/export?kind=nope", new(ToLogin, Forbidden, Forbidden, Forbidden, BadRequest)),
        new("GET /me/notifications", "my notifications", _ => "/me/notifications", SignedIn(ToLogin, Ok)),
        // Sensitive words (slice "words"): staff edit the list. Added words are unique nonsense, so nothing else the walk does is refused or held.
        new("GET /admin/words", "the sensitive-word list, searched", _ => "/admin/words?q=%E6%95%8F", new(ToLogin, Forbidden, Forbidden, Ok, Ok)),
        new("POST?handler=Add /admin/words", "add a word", _ => "/admin/words?handler=add", new(ToLogin, Forbidden, Forbidden, Ok, Ok))
            { Form = (_, _) => new() { ["Word"] = $"走查{Guid.NewGuid():N}", ["Action"] = "review", ["Reason"] = "走查 walk" } },
        new("POST?handler=Delete /admin/words", "delete a word", async w => $"/admin/words?handler=delete&id={await w.WithDbAsync(async db =>
            {
                var word = new Wenku.Moderation.SensitiveWord { Pattern = $"删除{Guid.NewGuid():N}", Folded = Guid.NewGuid().ToString("N"), Action = Wenku.Moderation.WordAction.Review };
                db.SensitiveWords.Add(word);
                await db.SaveChangesAsync();
                return word.Id;
            })}", new(ToLogin, Forbidden, Forbidden, Ok, Ok)) { Form = (_, _) => new() { ["Reason"] = "走查 walk" } },
        new("POST?handler=Delete /admin/words", "no such word", _ => "/admin/words?handler=delete&id=999999999", new(ToLogin, Forbidden, Forbidden, NotFound, NotFound))
            { Form = (_, _) => new() { ["Reason"] = "走查 walk" } },
        new("POST?handler=Import /admin/words", "import without a file", _ => "/admin/words?handler=import", new(ToLogin, Forbidden, Forbidden, BadRequest, BadRequest))
            { Form = (_, _) => new() { ["defaultAction"] = "block", ["Reason"] = "走查 walk" } },
        new("GET /admin/words/export", "export the list", _ => "/admin/words/export", new(ToLogin, Forbidden, Forbidden, Ok, Ok)),

        // The review queue (queue slice): everything waiting, the held documents' decisions; the old duplicates queue redirects.
        new("GET /admin/duplicates", "the old duplicates queue", _ => "/admin/duplicates", new(ToLogin, Forbidden, Forbidden, Redirect, Redirect)),
        new("GET /admin/review", "the review queue", _ => "/admin/review", new(ToLogin, Forbidden, Forbidden, Ok, Ok)),
        new("GET /admin/review", "held near duplicates, second page", _ => "/admin/review?kind=held&hold=near-duplicate&page=2", new(ToLogin, Forbidden, Forbidden, Ok, Ok)),
        new("GET /admin/review", "no such kind", _ => "/admin/review?kind=everything", new(ToLogin, Forbidden, Forbidden, BadRequest, BadRequest)),
        new("GET /admin/review", "a page that is not a number", _ => "/admin/review?page=last", new(ToLogin, Forbidden, Forbidden, BadRequest, BadRequest)),
        new("POST /admin/review", "release a held document", async w => $"/admin/review?id={await w.HeldDocAsync()}", new(ToLogin, Forbidden, Forbidden, Ok, Ok))
            { Form = (_, who) => new() { ["type"] = "held", ["decision"] = "release", ["reason"] = $"{who} 走查 walk" } },
        new("POST /admin/review", "reject a held document", async w => $"/admin/review?id={await w.HeldDocAsync()}", new(ToLogin, Forbidden, Forbidden, Ok, Ok))
            { Form = (_, who) => new() { ["type"] = "held", ["decision"] = "reject", ["reason"] = $"{who} 走查 walk" } },
        new("POST /admin/review", "a held document without a reason", async w => $"/admin/review?id={await w.HeldDocAsync()}", new(ToLogin, Forbidden, Forbidden, BadRequest, BadRequest))
            { Form = (_, _) => new() { ["type"] = "held", ["decision"] = "release", ["reason"] = " " } },
        new("POST /admin/review", "a document that is not held", w => $"/admin/review?id={w.FreeDoc}", new(ToLogin, Forbidden, Forbidden, Conflict, Conflict))
            { Form = (_, _) => new() { ["type"] = "held", ["decision"] = "release", ["reason"] = "走查 walk" } },
        new("POST /admin/review", "no such document", _ => "/admin/review?id=999999", new(ToLogin, Forbidden, Forbidden, NotFound, NotFound))
            { Form = (_, _) => new() { ["type"] = "held", ["decision"] = "release", ["reason"] = "走查 walk" } },
        // Reports (举报) and comment moderation (the reports slice). Filing uses a fresh document of the owner each time (one
        // open report per reader and document); the owner may not report their own document or the user their own comment.
        new("GET /d/{id:long}/report", "the report form of a ready document", w => $"/d/{w.FreeDoc}/report", new(ToLogin, Ok, Forbidden, Ok, Ok)),
        new("GET /d/{id:long}/report", "the report form of the user's comment", async w => $"/d/{w.FreeDoc}/report?comment={await w.CommentByAsync(Who.User)}", new(ToLogin, Forbidden, Ok, Ok, Ok)),
        new("GET /d/{id:long}/report", "failed document", w => $"/d/{w.FailedDoc}/report", SignedIn(ToLogin, NotFound)),
        new("GET /d/{id:long}/report", "no such document", _ => "/d/999999/report", SignedIn(ToLogin, NotFound)),
        new("POST /d/{id:long}/report", "a spam report of a ready document", async w => $"/d/{await w.DisposableDocAsync()}/report", new(ToLogin, Redirect, Forbidden, Redirect, Redirect))
            { Form = (_, who) => new() { ["Reason"] = "spam", ["Details"] = $"{who} 走查 walk" } },
        new("POST /d/{id:long}/report", "infringement without the rights holder's contact", w => $"/d/{w.FreeDoc}/report", new(ToLogin, BadRequest, Forbidden, BadRequest, BadRequest))
            { Form = (_, _) => new() { ["Reason"] = "infringement", ["OriginalTitle"] = "原作 original" } },
        new("POST /d/{id:long}/report", "no such document", _ => "/d/999999/report", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["Reason"] = "spam" } },
        new("GET /me/reports", "my reports", _ => "/me/reports", SignedIn(ToLogin, Ok)),
        new("POST /comments/{id:long}/moderate", "hide the user's comment", async w => $"/comments/{await w.CommentByAsync(Who.User)}/moderate", new(ToLogin, Forbidden, Forbidden, Redirect, Redirect))
            { Form = (_, _) => new() { ["action"] = "hide", ["reason"] = "走查 walk" } },
        new("POST /comments/{id:long}/moderate", "no such comment", _ => "/comments/999999/moderate", new(ToLogin, Forbidden, Forbidden, NotFound, NotFound))
            { Form = (_, _) => new() { ["action"] = "hide", ["reason"] = "走查 walk" } },
        // Takedown, appeal, restore (the takedown slice); and a removed document as a state: every door answers 410, staff
        // keep its page images; comments keep their rule (404 on anything not published).
        new("POST /d/{id:long}/remove", "remove a ready document", async w => $"/d/{await w.DisposableDocAsync()}/remove", new(ToLogin, Forbidden, Forbidden, Redirect, Redirect))
            { Form = (_, _) => new() { ["category"] = "spam", ["reason"] = "走查 walk" } },
        new("POST /d/{id:long}/remove", "no such document", _ => "/d/999999/remove", new(ToLogin, Forbidden, Forbidden, NotFound, NotFound))
            { Form = (_, _) => new() { ["category"] = "spam", ["reason"] = "走查 walk" } },
        new("POST /d/{id:long}/restore", "restore a removed document", async w => $"/d/{await w.RemovedDisposableDocAsync()}/restore", new(ToLogin, Forbidden, Forbidden, Redirect, Redirect))
            { Form = (_, _) => new() { ["reason"] = "走查 walk" } },
        new("POST /d/{id:long}/restore", "no such document", _ => "/d/999999/restore", new(ToLogin, Forbidden, Forbidden, NotFound, NotFound))
            { Form = (_, _) => new() { ["reason"] = "走查 walk" } },
        new("POST /d/{id:long}/appeal", "appeal a removal of the owner's document", async w => $"/d/{await w.RemovedDisposableDocAsync()}/appeal", new(ToLogin, Forbidden, Redirect, Forbidden, Forbidden))
            { Form = (_, _) => new() { ["statement"] = "走查申诉 walk appeal" } },
        new("POST /d/{id:long}/appeal", "a document that is not removed", w => $"/d/{w.FreeDoc}/appeal", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["statement"] = "走查申诉 walk appeal" } },
        new("GET /d/{id:long}", "removed document", w => $"/d/{w.RemovedDoc}", Everyone(Gone)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "removed document, first page", w => $"/d/{w.RemovedDoc}/page/1.jpg", new(Gone, Gone, Gone, Ok, Ok)),
        new("GET /d/{id:long}/page/{n:int}.jpg", "removed document, past the preview", w => $"/d/{w.RemovedDoc}/page/3.jpg", new(Gone, Gone, Gone, Ok, Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.jpg", "removed document, first page", w => $"/d/{w.RemovedDoc}/page/1.jpg", new(Gone, Gone, Gone, Ok, Ok)),
        new("POST /d/{id:long}/download", "removed document", w => $"/d/{w.RemovedDoc}/download", SignedIn(ToLogin, Gone)),
        new("POST /d/{id:long}/comments", "comment on a removed document", w => $"/d/{w.RemovedDoc}/comments", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["body"] = "已下架 removed" } },
        new("GET /d/{id:long}/buy", "removed document", w => $"/d/{w.RemovedDoc}/buy", SignedIn(ToLogin, Gone)),
        new("POST /d/{id:long}/buy", "removed document", w => $"/d/{w.RemovedDoc}/buy", SignedIn(ToLogin, Gone))
            { Form = (_, _) => new() { ["expectedPrice"] = "0", ["key"] = Guid.NewGuid().ToString("N") } },

        // The library slice: favourites and ratings (readers of published documents; nobody rates their own), my
        // library, and user pages at their slug (/u/{id} moves there for good).
        new("POST /d/{id:long}/favourite", "favourite a ready document", w => $"/d/{w.FreeDoc}/favourite", SignedIn(ToLogin, Redirect))
            { Form = (_, _) => new() { ["favourite"] = "true" } },
        new("POST /d/{id:long}/favourite", "favourite a queued document", w => $"/d/{w.QueuedDoc}/favourite", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["favourite"] = "true" } },
        new("POST /d/{id:long}/favourite", "no such document", _ => "/d/999999/favourite", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["favourite"] = "true" } },
        new("POST /d/{id:long}/rating", "rate a ready document", w => $"/d/{w.FreeDoc}/rating", new(ToLogin, Redirect, Forbidden, Redirect, Redirect))
            { Form = (_, _) => new() { ["stars"] = "4" } },
        new("POST /d/{id:long}/rating", "stars out of range: the form again with the message", w => $"/d/{w.FreeDoc}/rating", new(ToLogin, Redirect, Forbidden, Redirect, Redirect))
            { Form = (_, _) => new() { ["stars"] = "9" } },
        new("POST /d/{id:long}/rating", "rate a queued document", w => $"/d/{w.QueuedDoc}/rating", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["stars"] = "4" } },
        new("POST /d/{id:long}/rating", "rate a removed document", w => $"/d/{w.RemovedDoc}/rating", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["stars"] = "4" } },
        new("GET /me/library", "my library", _ => "/me/library", SignedIn(ToLogin, Ok)),
        new("GET /me/library", "my library, recently read", _ => "/me/library?tab=recent&page=2", SignedIn(ToLogin, Ok)),
        new("GET /u/{id}", "the owner's profile at their slug", _ => "/u/owner", Everyone(Ok)),
        // Upload: the script's JSON door, live conversion progress, edit and delete on the site (the upload slice).
        new("POST?handler=Json /upload", "the script's upload without a file (a per-field refusal in JSON)", _ => "/upload?handler=Json", SignedIn(ToLogin, BadRequest))
            { Form = (_, _) => new() { ["Title"] = "无文件 no file" } },
        new("GET /me/progress", "the owner's ready document (one event, then done)", w => $"/me/progress?ids={w.FreeDoc}", SignedIn(ToLogin, Ok)),
        new("GET /me/progress", "no ids", _ => "/me/progress", SignedIn(ToLogin, BadRequest)),
        new("GET /d/{id:long}/edit", "the owner's free document", w => $"/d/{w.FreeDoc}/edit", new(ToLogin, Forbidden, Ok, Ok, Ok)),
        new("GET /d/{id:long}/edit", "queued document", w => $"/d/{w.QueuedDoc}/edit", new(ToLogin, NotFound, Ok, Ok, Ok)),
        new("GET /d/{id:long}/edit", "no such document", _ => "/d/999999/edit", SignedIn(ToLogin, NotFound)),
        new("GET /d/{id:long}/edit", "removed document", w => $"/d/{w.RemovedDoc}/edit", SignedIn(ToLogin, Gone)),
        new("POST /d/{id:long}/edit", "the free document, price and preview unchanged", w => $"/d/{w.FreeDoc}/edit", new(ToLogin, Forbidden, Redirect, Redirect, Redirect))
            { Form = (_, _) => new() { ["Price"] = "0", ["PreviewPages"] = "2" } },
        new("POST /d/{id:long}/edit", "a negative price (the form comes back with the reason)", w => $"/d/{w.FreeDoc}/edit", new(ToLogin, Forbidden, BadRequest, BadRequest, BadRequest))
            { Form = (_, _) => new() { ["Price"] = "-1" } },
        new("POST /d/{id:long}/edit", "no such document", _ => "/d/999999/edit", SignedIn(ToLogin, NotFound)) { Form = (_, _) => new() { ["Price"] = "0" } },
        new("POST /d/{id:long}/edit", "removed document", w => $"/d/{w.RemovedDoc}/edit", SignedIn(ToLogin, Gone)) { Form = (_, _) => new() { ["Price"] = "0" } },
        new("GET /d/{id:long}/delete", "the confirmation for the owner's document", w => $"/d/{w.FreeDoc}/delete", new(ToLogin, Forbidden, Ok, Ok, Ok)),
        new("GET /d/{id:long}/delete", "no such document", _ => "/d/999999/delete", SignedIn(ToLogin, NotFound)),
        new("GET /d/{id:long}/delete", "removed document", w => $"/d/{w.RemovedDoc}/delete", SignedIn(ToLogin, Gone)),
        new("POST /d/{id:long}/delete", "a ready document of the owner", async w => $"/d/{await w.DisposableDocAsync()}/delete", new(ToLogin, Forbidden, Redirect, Redirect, Redirect)),
        new("POST /d/{id:long}/delete", "a document with a live purchase", async w => $"/d/{(await w.SaleAsync(w.IdOf(Who.Owner), 10)).DocumentId}/delete", new(ToLogin, Forbidden, Conflict, Conflict, Conflict)),
        new("POST /d/{id:long}/delete", "no such document", _ => "/d/999999/delete", SignedIn(ToLogin, NotFound)),
        new("POST /d/{id:long}/delete", "removed document", w => $"/d/{w.RemovedDoc}/delete", SignedIn(ToLogin, Gone)),
        // The reader and find-and-embed (reader-seo slice): the jump form, where a reader stopped, robots, sitemaps,
        // feeds, the frameable viewer and oEmbed.
        new("GET /d/{id:long}/goto", "jump to a page", w => $"/d/{w.FreeDoc}/goto?page=2", Everyone(Redirect)),
        new("GET /d/{id:long}/goto", "queued document", w => $"/d/{w.QueuedDoc}/goto?page=1", OwnerAndStaff(NotFound, Redirect)),
        new("GET /d/{id:long}/goto", "removed document", w => $"/d/{w.RemovedDoc}/goto?page=1", Everyone(NotFound)),
        new("GET /d/{id:long}/goto", "no such document", _ => "/d/999999/goto?page=1", Everyone(NotFound)),
        new("POST /d/{id:long}/progress", "where the reader stopped", w => $"/d/{w.FreeDoc}/progress", SignedIn(ToLogin, NoContent))
            { Form = (_, _) => new() { ["page"] = "2" } },
        new("POST /d/{id:long}/progress", "a page past the last", w => $"/d/{w.FreeDoc}/progress", SignedIn(ToLogin, BadRequest))
            { Form = (_, _) => new() { ["page"] = "99" } },
        new("POST /d/{id:long}/progress", "queued document", w => $"/d/{w.QueuedDoc}/progress", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["page"] = "1" } },
        new("POST /d/{id:long}/progress", "removed document", w => $"/d/{w.RemovedDoc}/progress", SignedIn(ToLogin, NotFound))
            { Form = (_, _) => new() { ["page"] = "1" } },
        new("GET /robots.txt", "robots", _ => "/robots.txt", Everyone(Ok)),
        new("GET /sitemap.xml", "the sitemap index", _ => "/sitemap.xml", Everyone(Ok)),
        new("GET /sitemaps/categories.xml", "the categories' sitemap", _ => "/sitemaps/categories.xml", Everyone(Ok)),
        new("GET /sitemaps/documents-{n:int}.xml", "the first documents' sitemap", _ => "/sitemaps/documents-0.xml", Everyone(Ok)),
        new("GET /sitemaps/documents-{n:int}.xml", "a negative file number", _ => "/sitemaps/documents--1.xml", Everyone(NotFound)),
        new("GET /feed.xml", "the newest documents", _ => "/feed.xml", Everyone(Ok)),
        new("GET /c/{slug}/feed.xml", "a category's newest documents", _ => "/c/other/feed.xml", Everyone(Ok)),
        new("GET /c/{slug}/feed.xml", "no such category", _ => "/c/no-such-category/feed.xml", Everyone(NotFound)),
        new("GET /embed/{id:long}", "ready free document", w => $"/embed/{w.FreeDoc}", Everyone(Ok)),
        new("GET /embed/{id:long}", "queued document", w => $"/embed/{w.QueuedDoc}", Everyone(NotFound)),
        new("GET /embed/{id:long}", "removed document", w => $"/embed/{w.RemovedDoc}", Everyone(Gone)),
        new("GET /embed/{id:long}", "no such document", _ => "/embed/999999", Everyone(NotFound)),
        new("GET /oembed", "a document of this site", w => $"/oembed?format=json&url={Uri.EscapeDataString($"http://localhost/d/{w.FreeDoc}")}", Everyone(Ok)),
        new("GET /oembed", "another site's URL", w => $"/oembed?format=json&url={Uri.EscapeDataString($"http://evil.example/d/{w.FreeDoc}")}", Everyone(NotFound)),
        new("GET /oembed", "XML, which is not offered", w => $"/oembed?format=xml&url={Uri.EscapeDataString($"http://localhost/d/{w.FreeDoc}")}", Everyone(NotImplemented)),
        // ingest: the phone size and WebP of every page (the same doors as the desktop JPEG), and covers.
        new("GET /d/{id:long}/page/{n:int}.webp", "first page", w => $"/d/{w.FreeDoc}/page/1.webp", Everyone(Ok)),
        new("GET /d/{id:long}/page/{n:int}.webp", "first page past the preview", w => $"/d/{w.FreeDoc}/page/3.webp", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.webp", "paid, past the preview", w => $"/d/{w.PaidDoc}/page/3.webp", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.webp", "page after the last", w => $"/d/{w.FreeDoc}/page/7.webp", Everyone(NotFound)),
        new("GET /d/{id:long}/page/{n:int}.webp", "failed document", w => $"/d/{w.FailedDoc}/page/1.webp", Everyone(NotFound)),
        new("GET /d/{id:long}/page/{n:int}.webp", "removed document, first page", w => $"/d/{w.RemovedDoc}/page/1.webp", new(Gone, Gone, Gone, Ok, Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.webp", "first page", w => $"/d/{w.FreeDoc}/page/1.webp", Everyone(Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.webp", "first page past the preview", w => $"/d/{w.FreeDoc}/page/3.webp", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.m.jpg", "first page", w => $"/d/{w.FreeDoc}/page/1.m.jpg", Everyone(Ok)),
        new("GET /d/{id:long}/page/{n:int}.m.jpg", "first page past the preview", w => $"/d/{w.FreeDoc}/page/3.m.jpg", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.m.jpg", "paid, past the preview", w => $"/d/{w.PaidDoc}/page/3.m.jpg", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.m.jpg", "page after the last", w => $"/d/{w.FreeDoc}/page/7.m.jpg", Everyone(NotFound)),
        new("GET /d/{id:long}/page/{n:int}.m.jpg", "failed document", w => $"/d/{w.FailedDoc}/page/1.m.jpg", Everyone(NotFound)),
        new("GET /d/{id:long}/page/{n:int}.m.jpg", "removed document, first page", w => $"/d/{w.RemovedDoc}/page/1.m.jpg", new(Gone, Gone, Gone, Ok, Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.m.jpg", "first page", w => $"/d/{w.FreeDoc}/page/1.m.jpg", Everyone(Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.m.jpg", "first page past the preview", w => $"/d/{w.FreeDoc}/page/3.m.jpg", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.m.webp", "first page", w => $"/d/{w.FreeDoc}/page/1.m.webp", Everyone(Ok)),
        new("GET /d/{id:long}/page/{n:int}.m.webp", "first page past the preview", w => $"/d/{w.FreeDoc}/page/3.m.webp", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.m.webp", "paid, past the preview", w => $"/d/{w.PaidDoc}/page/3.m.webp", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/page/{n:int}.m.webp", "page after the last", w => $"/d/{w.FreeDoc}/page/7.m.webp", Everyone(NotFound)),
        new("GET /d/{id:long}/page/{n:int}.m.webp", "failed document", w => $"/d/{w.FailedDoc}/page/1.m.webp", Everyone(NotFound)),
        new("GET /d/{id:long}/page/{n:int}.m.webp", "removed document, first page", w => $"/d/{w.RemovedDoc}/page/1.m.webp", new(Gone, Gone, Gone, Ok, Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.m.webp", "first page", w => $"/d/{w.FreeDoc}/page/1.m.webp", Everyone(Ok)),
        new("HEAD /d/{id:long}/page/{n:int}.m.webp", "first page past the preview", w => $"/d/{w.FreeDoc}/page/3.m.webp", OwnerAndStaff(Forbidden, Ok)),
        new("GET /d/{id:long}/cover.jpg", "ready document", w => $"/d/{w.FreeDoc}/cover.jpg", Everyone(Ok)),
        new("GET /d/{id:long}/cover.jpg", "paid document", w => $"/d/{w.PaidDoc}/cover.jpg", Everyone(Ok)),
        new("GET /d/{id:long}/cover.jpg", "failed document", w => $"/d/{w.FailedDoc}/cover.jpg", Everyone(NotFound)),
        new("GET /d/{id:long}/cover.jpg", "held document without files", async w => $"/d/{await w.HeldDocAsync()}/cover.jpg", Everyone(NotFound)),
        new("GET /d/{id:long}/cover.jpg", "removed document", w => $"/d/{w.RemovedDoc}/cover.jpg", new(Gone, Gone, Gone, Ok, Ok)),
        new("GET /d/{id:long}/cover.jpg", "no such document", _ => "/d/999999/cover.jpg", Everyone(NotFound)),
        new("HEAD /d/{id:long}/cover.jpg", "ready document", w => $"/d/{w.FreeDoc}/cover.jpg", Everyone(Ok)),
        new("GET /d/{id:long}/cover.webp", "ready document", w => $"/d/{w.FreeDoc}/cover.webp", Everyone(Ok)),
        new("GET /d/{id:long}/cover.webp", "paid document", w => $"/d/{w.PaidDoc}/cover.webp", Everyone(Ok)),
        new("GET /d/{id:long}/cover.webp", "failed document", w => $"/d/{w.FailedDoc}/cover.webp", Everyone(NotFound)),
        new("GET /d/{id:long}/cover.webp", "held document without files", async w => $"/d/{await w.HeldDocAsync()}/cover.webp", Everyone(NotFound)),
        new("GET /d/{id:long}/cover.webp", "removed document", w => $"/d/{w.RemovedDoc}/cover.webp", new(Gone, Gone, Gone, Ok, Ok)),
        new("GET /d/{id:long}/cover.webp", "no such document", _ => "/d/999999/cover.webp", Everyone(NotFound)),
        new("HEAD /d/{id:long}/cover.webp", "ready document", w => $"/d/{w.FreeDoc}/cover.webp", Everyone(Ok)),

        // reads: the share link's QR code, an image of the link alone (no database), the same for everyone.
        new("GET /d/{id:long}/qr.svg", "ready document", w => $"/d/{w.FreeDoc}/qr.svg", Everyone(Ok)),
        new("GET /d/{id:long}/qr.svg", "no such document", _ => "/d/999999/qr.svg", Everyone(Ok)),

        // The API: bearer tokens only.
        new("POST /api/v1/documents/", "upload without a file", _ => "/api/v1/documents", SignedIn(Unauthorized, BadRequest))
            { Body = () => new MultipartFormDataContent { { new StringContent("无文件 no file"), "title" } } },
        new("GET /api/v1/documents/{id:long}", "ready free document", w => $"/api/v1/documents/{w.FreeDoc}", Everyone(Ok)),
        new("GET /api/v1/documents/{id:long}", "ready paid document", w => $"/api/v1/documents/{w.PaidDoc}", Everyone(Ok)),
        new("GET /api/v1/documents/{id:long}", "failed document", w => $"/api/v1/documents/{w.FailedDoc}", OwnerAndStaff(NotFound, Ok)),
        new("GET /api/v1/documents/{id:long}", "queued document", w => $"/api/v1/documents/{w.QueuedDoc}", OwnerAndStaff(NotFound, Ok)),
        new("GET /api/v1/documents/{id:long}", "no such document", _ => "/api/v1/documents/999999", Everyone(NotFound)),
        new("GET /api/v1/documents/{id:long}/pages/{n:int}", "last preview page", w => $"/api/v1/documents/{w.FreeDoc}/pages/2", Everyone(Ok)),
        new("GET /api/v1/documents/{id:long}/pages/{n:int}", "first page past the preview", w => $"/api/v1/documents/{w.FreeDoc}/pages/3", OwnerAndStaff(Forbidden, Ok)),
        new("GET /api/v1/documents/{id:long}/pages/{n:int}", "last page", w => $"/api/v1/documents/{w.FreeDoc}/pages/6", OwnerAndStaff(Forbidden, Ok)),
        new("GET /api/v1/documents/{id:long}/pages/{n:int}", "paid, past the preview", w => $"/api/v1/documents/{w.PaidDoc}/pages/3", OwnerAndStaff(Forbidden, Ok)),
        new("GET /api/v1/documents/{id:long}/pages/{n:int}", "page after the last", w => $"/api/v1/documents/{w.FreeDoc}/pages/7", Everyone(NotFound)),
        new("GET /api/v1/documents/{id:long}/pages/{n:int}", "failed document", w => $"/api/v1/documents/{w.FailedDoc}/pages/1", Everyone(NotFound)),
        new("HEAD /api/v1/documents/{id:long}/pages/{n:int}", "last preview page", w => $"/api/v1/documents/{w.FreeDoc}/pages/2", Everyone(Ok)),
        new("HEAD /api/v1/documents/{id:long}/pages/{n:int}", "paid, past the preview", w => $"/api/v1/documents/{w.PaidDoc}/pages/3", OwnerAndStaff(Forbidden, Ok)),
        new("HEAD /api/v1/documents/{id:long}/pages/{n:int}", "page after the last", w => $"/api/v1/documents/{w.FreeDoc}/pages/7", Everyone(NotFound)),
        new("GET /api/v1/documents/{id:long}/original", "free document", w => $"/api/v1/documents/{w.FreeDoc}/original", SignedIn(Unauthorized, Ok)),
        new("GET /api/v1/documents/{id:long}/original", "paid document, not bought", w => $"/api/v1/documents/{w.PaidDoc}/original", new(Unauthorized, PaymentRequired, Ok, Ok, Ok)),
        new("GET /api/v1/documents/{id:long}/original", "failed document", w => $"/api/v1/documents/{w.FailedDoc}/original", new(Unauthorized, NotFound, Forbidden, Forbidden, Forbidden)),
        new("GET /api/v1/documents/{id:long}/original", "queued document", w => $"/api/v1/documents/{w.QueuedDoc}/original", new(Unauthorized, NotFound, Forbidden, Forbidden, Forbidden)),
        new("GET /api/v1/documents/{id:long}/original", "no such document", _ => "/api/v1/documents/999999/original", SignedIn(Unauthorized, NotFound)),
        new("HEAD /api/v1/documents/{id:long}/original", "free document", w => $"/api/v1/documents/{w.FreeDoc}/original", SignedIn(Unauthorized, Ok)),
        new("HEAD /api/v1/documents/{id:long}/original", "paid document, not bought", w => $"/api/v1/documents/{w.PaidDoc}/original", new(Unauthorized, PaymentRequired, Ok, Ok, Ok)),
        new("PATCH /api/v1/documents/{id:long}", "the free document, title unchanged", w => $"/api/v1/documents/{w.FreeDoc}", new(Unauthorized, Forbidden, Ok, Ok, Ok))
            { Body = () => JsonContent.Create(new { title = "免费文档 free" }) },
        new("PATCH /api/v1/documents/{id:long}", "a negative price", w => $"/api/v1/documents/{w.FreeDoc}", new(Unauthorized, Forbidden, BadRequest, BadRequest, BadRequest))
            { Body = () => JsonContent.Create(new { price = -1 }) },
        new("PATCH /api/v1/documents/{id:long}", "queued document", w => $"/api/v1/documents/{w.QueuedDoc}", new(Unauthorized, NotFound, Ok, Ok, Ok))
            { Body = () => JsonContent.Create(new { previewPages = 2 }) },
        new("PATCH /api/v1/documents/{id:long}", "no such document", _ => "/api/v1/documents/999999", SignedIn(Unauthorized, NotFound))
            { Body = () => JsonContent.Create(new { title = "无" }) },
        new("DELETE /api/v1/documents/{id:long}", "a ready document of the owner", async w => $"/api/v1/documents/{await w.DisposableDocAsync()}", new(Unauthorized, Forbidden, NoContent, NoContent, NoContent)),
        new("DELETE /api/v1/documents/{id:long}", "no such document", _ => "/api/v1/documents/999999", SignedIn(Unauthorized, NotFound)),
        new("DELETE /api/v1/documents/{id:long}", "a document with a live purchase", async w => $"/api/v1/documents/{(await w.SaleAsync(w.IdOf(Who.Owner), 10)).DocumentId}", new(Unauthorized, Forbidden, Conflict, Conflict, Conflict)),
        new("GET /api/v1/documents/{id:long}/text", "ready free document", w => $"/api/v1/documents/{w.FreeDoc}/text", Everyone(Ok)),
        new("GET /api/v1/documents/{id:long}/text", "failed document", w => $"/api/v1/documents/{w.FailedDoc}/text", OwnerAndStaff(NotFound, Ok)),
        new("GET /api/v1/documents/{id:long}/text", "no such document", _ => "/api/v1/documents/999999/text", Everyone(NotFound)),
        new("GET /api/v1/documents/{id:long}/similar", "ready free document", w => $"/api/v1/documents/{w.FreeDoc}/similar", Everyone(Ok)),
        new("GET /api/v1/documents/{id:long}/similar", "held near duplicate", async w => $"/api/v1/documents/{await w.HeldDocAsync()}/similar", OwnerAndStaff(NotFound, Ok)),
        new("GET /api/v1/documents/{id:long}/similar", "failed document", w => $"/api/v1/documents/{w.FailedDoc}/similar", OwnerAndStaff(NotFound, Ok)),
        new("GET /api/v1/documents/{id:long}/similar", "no such document", _ => "/api/v1/documents/999999/similar", Everyone(NotFound)),
        new("GET /api/v1/wallet", "the caller's points", _ => "/api/v1/wallet", SignedIn(Unauthorized, Ok)),
        new("GET /api/v1/wallet/transactions", "the caller's movements", _ => "/api/v1/wallet/transactions?page=1&kind=Purchase", SignedIn(Unauthorized, Ok)),
        new("GET /api/v1/wallet/transactions", "no such kind", _ => "/api/v1/wallet/transactions?kind=Theft", SignedIn(Unauthorized, BadRequest)),
        // The walk's user has no points; the owner and staff have the document already and are never charged.
        new("POST /api/v1/documents/{id:long}/purchase", "paid document at its price, no points", w => $"/api/v1/documents/{w.PaidDoc}/purchase", new(Unauthorized, PaymentRequired, Ok, Ok, Ok))
            { Body = () => JsonContent.Create(new { expectedPrice = 5 }) },
        new("POST /api/v1/documents/{id:long}/purchase", "paid document at an old price", w => $"/api/v1/documents/{w.PaidDoc}/purchase", new(Unauthorized, Conflict, Ok, Ok, Ok))
            { Body = () => JsonContent.Create(new { expectedPrice = 3 }) },
        new("POST /api/v1/documents/{id:long}/purchase", "no price in the body", w => $"/api/v1/documents/{w.PaidDoc}/purchase", SignedIn(Unauthorized, BadRequest))
            { Body = () => JsonContent.Create(new { }) },
        new("POST /api/v1/documents/{id:long}/purchase", "free document", w => $"/api/v1/documents/{w.FreeDoc}/purchase", SignedIn(Unauthorized, Ok))
            { Body = () => JsonContent.Create(new { expectedPrice = 0 }) },
        new("POST /api/v1/documents/{id:long}/purchase", "queued document", w => $"/api/v1/documents/{w.QueuedDoc}/purchase", new(Unauthorized, NotFound, Ok, Ok, Ok))
            { Body = () => JsonContent.Create(new { expectedPrice = 0 }) },
        new("POST /api/v1/documents/{id:long}/purchase", "no such document", _ => "/api/v1/documents/999999/purchase", SignedIn(Unauthorized, NotFound))
            { Body = () => JsonContent.Create(new { expectedPrice = 5 }) },
        // Claims (claims slice): filing (a form without a statement changes nothing) and the staff decision.
        new("POST /api/v1/documents/{id:long}/claims", "a claim without a statement", w => $"/api/v1/documents/{w.FreeDoc}/claims", SignedIn(Unauthorized, BadRequest))
            { Body = () => new MultipartFormDataContent { { new StringContent("false"), "removal" } } },
        new("POST /api/v1/documents/{id:long}/claims", "no such document", _ => "/api/v1/documents/999999/claims", SignedIn(Unauthorized, NotFound))
            { Body = () => new MultipartFormDataContent { { new StringContent("走查 walk"), "statement" } } },
        new("POST /api/v1/moderation/claims/{id:long}/decision", "reject an open claim", async w => $"/api/v1/moderation/claims/{await w.ClaimWithEvidenceAsync()}/decision",
            new(Unauthorized, Forbidden, Forbidden, Ok, Ok)) { Body = () => JsonContent.Create(new { action = "reject", reason = "走查 walk" }) },
        new("POST /api/v1/moderation/claims/{id:long}/decision", "no such claim", _ => "/api/v1/moderation/claims/999999999/decision",
            new(Unauthorized, Forbidden, Forbidden, NotFound, NotFound)) { Body = () => JsonContent.Create(new { action = "reject", reason = "走查 walk" }) },
        // Notifications (the audit slice): each caller's own.
        new("GET /api/v1/notifications", "the caller's notifications", _ => "/api/v1/notifications?unread=true&page=1", SignedIn(Unauthorized, Ok)),
        new("POST /api/v1/notifications/read", "mark all read", _ => "/api/v1/notifications/read", SignedIn(Unauthorized, Ok))
            { Body = () => JsonContent.Create(new { }) },
        new("POST /api/v1/notifications/read", "a body that is not JSON", _ => "/api/v1/notifications/read", SignedIn(Unauthorized, BadRequest))
            { Body = () => new StringContent("{ids:", System.Text.Encoding.UTF8, "application/json") },
        // The review queue's API (queue slice).
        new("GET /api/v1/moderation/queue", "the review queue", _ => "/api/v1/moderation/queue?kind=held&page=1", new(Unauthorized, Forbidden, Forbidden, Ok, Ok)),
        new("GET /api/v1/moderation/queue", "no such kind", _ => "/api/v1/moderation/queue?kind=everything", new(Unauthorized, Forbidden, Forbidden, BadRequest, BadRequest)),
        new("GET /api/v1/moderation/queue", "page zero", _ => "/api/v1/moderation/queue?page=0", new(Unauthorized, Forbidden, Forbidden, BadRequest, BadRequest)),
        // Reports through the API (the reports slice); a decision acts on a fresh open report of the user.
        new("POST /api/v1/documents/{id:long}/reports", "a report without a reason", w => $"/api/v1/documents/{w.FreeDoc}/reports", new(Unauthorized, BadRequest, Forbidden, BadRequest, BadRequest))
            { Body = () => JsonContent.Create(new { details = "没有原因 no reason" }) },
        new("POST /api/v1/documents/{id:long}/reports", "no such document", _ => "/api/v1/documents/999999/reports", SignedIn(Unauthorized, NotFound))
            { Body = () => JsonContent.Create(new { reason = "spam", details = "无 none" }) },
        new("POST /api/v1/moderation/reports/{id:long}/decision", "dismiss an open report", async w => $"/api/v1/moderation/reports/{await w.OpenReportAsync()}/decision",
            new(Unauthorized, Forbidden, Forbidden, Ok, Ok)) { Body = () => JsonContent.Create(new { action = "dismiss", reason = "走查 walk" }) },
        new("POST /api/v1/moderation/reports/{id:long}/decision", "an action reports do not have", async w => $"/api/v1/moderation/reports/{await w.OpenReportAsync()}/decision",
            new(Unauthorized, Forbidden, Forbidden, BadRequest, BadRequest)) { Body = () => JsonContent.Create(new { action = "approve", reason = "走查 walk" }) },
        new("POST /api/v1/moderation/reports/{id:long}/decision", "no such report", _ => "/api/v1/moderation/reports/999999/decision",
            new(Unauthorized, Forbidden, Forbidden, NotFound, NotFound)) { Body = () => JsonContent.Create(new { action = "dismiss", reason = "走查 walk" }) },
        // Takedown (the takedown slice): restore, appeal decisions, and the removed document through every API door.
        new("POST /api/v1/documents/{id:long}/restore", "a removed document", async w => $"/api/v1/documents/{await w.RemovedDisposableDocAsync()}/restore", new(Unauthorized, Forbidden, Forbidden, Ok, Ok))
            { Body = () => JsonContent.Create(new { reason = "走查 walk" }) },
        new("POST /api/v1/documents/{id:long}/restore", "a document that is not removed", w => $"/api/v1/documents/{w.FreeDoc}/restore", new(Unauthorized, Forbidden, Forbidden, Conflict, Conflict))
            { Body = () => JsonContent.Create(new { reason = "走查 walk" }) },
        new("POST /api/v1/moderation/appeals/{id:long}/decision", "an open appeal against the admin's removal", async w => $"/api/v1/moderation/appeals/{await w.OpenAppealAsync()}/decision",
            new(Unauthorized, Forbidden, Forbidden, Ok, Forbidden)) { Body = () => JsonContent.Create(new { action = "reject", reason = "走查 walk" }) },
        new("POST /api/v1/moderation/appeals/{id:long}/decision", "no such appeal", _ => "/api/v1/moderation/appeals/999999/decision", new(Unauthorized, Forbidden, Forbidden, NotFound, NotFound))
            { Body = () => JsonContent.Create(new { action = "reject", reason = "走查 walk" }) },
        new("GET /api/v1/documents/{id:long}", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}", Everyone(Gone)),
        new("GET /api/v1/documents/{id:long}/pages/{n:int}", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}/pages/1", new(Gone, Gone, Gone, Ok, Ok)),
        new("HEAD /api/v1/documents/{id:long}/pages/{n:int}", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}/pages/3", new(Gone, Gone, Gone, Ok, Ok)),
        new("GET /api/v1/documents/{id:long}/original", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}/original", SignedIn(Unauthorized, Gone)),
        new("HEAD /api/v1/documents/{id:long}/original", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}/original", SignedIn(Unauthorized, Gone)),
        new("GET /api/v1/documents/{id:long}/text", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}/text", Everyone(Gone)),
        new("GET /api/v1/documents/{id:long}/similar", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}/similar", Everyone(Gone)),
        new("PATCH /api/v1/documents/{id:long}", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}", SignedIn(Unauthorized, Gone))
            { Body = () => JsonContent.Create(new { title = "改名 renamed" }) },
        new("DELETE /api/v1/documents/{id:long}", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}", SignedIn(Unauthorized, Gone)),
        new("POST /api/v1/documents/{id:long}/purchase", "removed document", w => $"/api/v1/documents/{w.RemovedDoc}/purchase", SignedIn(Unauthorized, Gone))
            { Body = () => JsonContent.Create(new { expectedPrice = 0 }) },
        new("GET /api/v1/search", "search", _ => "/api/v1/search?q=Paragraph", Everyone(Ok)),
        new("GET /api/v1/search", "filters and sorting without words", _ => "/api/v1/search?format=pdf&sort=downloads&pages=1-5", Everyone(Ok)),
        new("GET /api/v1/search/suggest", "title suggestions", _ => "/api/v1/search/suggest?q=Para", Everyone(Ok)),
        new("GET /api/docs/{documentName?}", "the API reference", _ => "/api/docs/", Everyone(Ok)),
        new("GET /api/docs/{documentName?}", "the API reference without its slash", _ => "/api/docs", Everyone(Redirect)),
        new("GET /api/docs/scalar.js", "the API reference's script", _ => "/api/docs/scalar.js", Everyone(Ok)),
        new("GET /api/docs/scalar.aspnetcore.js", "the API reference's script", _ => "/api/docs/scalar.aspnetcore.js", Everyone(Ok)),
        new("GET /api/docs/favicon.svg", "the API reference's icon", _ => "/api/docs/favicon.svg", Everyone(Ok)),
    ];

    /// <summary>POST routes that deliberately take no antiforgery token, and why.</summary>
    private static readonly Dictionary<string, string> NoAntiforgery = new()
    {
        ["POST /error"] = "status-code pages re-execute a failed POST into the error page; it changes nothing",
        ["POST /pay/alipay/notify"] = "Alipay's servers post it without a session; its RSA2 signature is what is checked",
    };

    [Fact]
    public async Task Every_route_of_the_app_is_in_the_table_and_every_row_is_a_route()
    {
        var discovered = await site.RoutesAsync();
        var listed = Table.Select(p => p.Route).ToHashSet();
        discovered.Except(listed).Order().ShouldBeEmpty("routes without a row in the table: add what each identity gets");
        listed.Except(discovered).Order().ShouldBeEmpty("rows for routes the app no longer has");
        NoAntiforgery.Keys.ShouldBeSubsetOf(listed);
    }

    [Fact]
    public async Task Every_route_answers_each_identity_as_the_table_says()
    {
        var failures = new List<string>();
        foreach (var probe in Table)
            foreach (var who in Enum.GetValues<Who>())
            {
                var client = probe.FreshSession ? await site.NewSessionAsync(who, probe.IsApi) : site.ClientOf(who, probe.IsApi);
                var (url, response) = await site.SendAsync(probe, who, client, withAntiforgeryToken: true);
                var expected = probe.Expected.For(who);
                if (!Matches(expected, url, response))
                    failures.Add($"{probe.Route} [{probe.Case}] as {who}: expected {expected}, got {Describe(response)}");
            }
        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task Every_site_post_without_an_antiforgery_token_is_refused_for_whoever_may_do_it()
    {
        var failures = new List<string>();
        var posts = Table.Where(p => p.Method == "POST" && !p.IsApi && !NoAntiforgery.ContainsKey(p.Route)).ToList();
        foreach (var probe in posts)
            foreach (var who in Enum.GetValues<Who>().Where(w => probe.Expected.For(w) is Ok or Redirect))
            {
                var client = probe.FreshSession ? await site.NewSessionAsync(who, api: false) : site.ClientOf(who, api: false);
                var (_, response) = await site.SendAsync(probe, who, client, withAntiforgeryToken: false);
                if (response.StatusCode != HttpStatusCode.BadRequest)
                    failures.Add($"{probe.Route} [{probe.Case}] as {who} without a token: expected BadRequest, got {Describe(response)}");
            }
        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_refused_post_changes_nothing()
    {
        var owner = await site.NewSessionAsync(Who.Owner, api: false);
        var comment = await site.CommentByAsync(Who.Owner);
        (await owner.PostAsync($"/comments/{comment}/delete", new FormUrlEncodedContent([]))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await site.WithDbAsync(db => db.Comments.AnyAsync(c => c.Id == comment))).ShouldBeTrue();

        (await owner.PostAsync("/account/logout", new FormUrlEncodedContent([]))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await owner.GetAsync("/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var downloads = await site.WithDbAsync(db => db.Documents.Where(d => d.Id == site.FreeDoc).Select(d => d.Downloads).SingleAsync());
        (await owner.PostAsync($"/d/{site.FreeDoc}/download", new FormUrlEncodedContent([]))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == site.FreeDoc).Select(d => d.Downloads).SingleAsync())).ShouldBe(downloads);
    }

    [Fact]
    public async Task Refusals_on_the_site_are_explained_by_the_error_page()
    {
        var user = site.ClientOf(Who.User, api: false);
        var denied = await user.GetAsync("/admin/settings");
        denied.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await denied.Content.ReadAsStringAsync()).ShouldContain("没有权限");

        foreach (var form in new[] { "/upload", $"/d/{site.FreeDoc}/comments", $"/d/{site.FreeDoc}/download" })
        {
            var refused = await user.PostAsync(form, new FormUrlEncodedContent(new Dictionary<string, string> { ["body"] = "没有令牌 no token" }));
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, form);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("请求有误", customMessage: form);
        }
    }

    [Fact]
    public async Task The_api_never_accepts_the_site_cookie()
    {
        // A signed-in admin's browser, without a bearer token, is anonymous to every API route.
        var failures = new List<string>();
        foreach (var probe in Table.Where(p => p.IsApi))
        {
            var (url, response) = await site.SendAsync(probe, Who.Admin, site.ClientOf(Who.Admin, api: false), withAntiforgeryToken: true);
            if (!Matches(probe.Expected.Anonymous, url, response))
                failures.Add($"{probe.Route} [{probe.Case}] with the admin's cookie: expected {probe.Expected.Anonymous}, got {Describe(response)}");
        }
        failures.ShouldBeEmpty();

        var browser = site.ClientOf(Who.Owner, api: false);
        var upload = TestPdfs.Upload(TestPdfs.MultiPage(1));
        upload.Add(new StringContent(await site.AntiforgeryTokenAsync(browser)), "__RequestVerificationToken");
        var refused = await browser.PostAsync("/api/v1/documents", upload);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        refused.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
    }

    [Theory]
    [InlineData(Who.Anonymous, 2)]
    [InlineData(Who.User, 2)]
    [InlineData(Who.Owner, 6)]
    [InlineData(Who.Moderator, 6)]
    [InlineData(Who.Admin, 6)]
    public async Task Document_page_and_text_show_pages_past_the_preview_only_to_owner_and_staff(Who who, int visible)
    {
        var page = await site.ClientOf(who, api: false).GetStringAsync($"/d/{site.FreeDoc}");
        for (var n = 1; n <= 6; n++)
            page.Contains($"src=\"/d/{site.FreeDoc}/page/{n}.jpg\"", StringComparison.Ordinal).ShouldBe(n <= visible, $"page {n}");

        var text = await site.ClientOf(who, api: true).GetFromJsonAsync<DocumentText>($"/api/v1/documents/{site.FreeDoc}/text", Json);
        text!.Pages.Select(p => p.Number).ShouldBe(Enumerable.Range(1, visible));
        text.Truncated.ShouldBe(visible < 6);
    }

    [Theory]
    [InlineData(Who.Anonymous)]
    [InlineData(Who.User)]
    public async Task Search_shows_no_text_past_the_preview_limit(Who who)
    {
        // Page 5 of the free document is past its preview; its words must not come back as a snippet.
        var past = await site.ClientOf(who, api: true).GetFromJsonAsync<JsonElement>(
            $"/api/v1/search?q={Uri.EscapeDataString($"\"Paragraph 5 of\" {site.FreeSalt}")}", Json);
        past.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("snippet").GetString()).ShouldAllBe(s => !s!.Contains("Paragraph 5"));
        var sitePage = await site.ClientOf(who, api: false).GetStringAsync($"/search?q={Uri.EscapeDataString($"\"Paragraph 5 of\" {site.FreeSalt}")}");
        sitePage.ShouldNotContain("第5段"); // the words before the match on page 5

        var inPreview = await site.ClientOf(who, api: true).GetFromJsonAsync<JsonElement>(
            $"/api/v1/search?q={Uri.EscapeDataString($"\"Paragraph 2 of\" {site.FreeSalt}")}", Json);
        inPreview.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("snippet").GetString()).ShouldContain(s => s!.Contains("Paragraph 2"));
    }

    private static bool Matches(Answer expected, string url, HttpResponseMessage response)
    {
        var location = response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l.PathAndQuery : l.OriginalString) : "";
        var toLogin = location.StartsWith("/account/login?ReturnUrl=", StringComparison.Ordinal)
            && Uri.UnescapeDataString(location["/account/login?ReturnUrl=".Length..]) == url;
        return (expected, response.StatusCode) switch
        {
            (Ok, HttpStatusCode.OK) => true,
            (Redirect, HttpStatusCode.Redirect) => !location.StartsWith("/account/login?ReturnUrl=", StringComparison.Ordinal) && !location.StartsWith("/error", StringComparison.Ordinal),
            (ToLogin, HttpStatusCode.Redirect) => toLogin,
            (BadRequest, HttpStatusCode.BadRequest) => true,
            (Unauthorized, HttpStatusCode.Unauthorized) => true,
            (Forbidden, HttpStatusCode.Forbidden) => true,
            (NotFound, HttpStatusCode.NotFound) => true,
            (NoContent, HttpStatusCode.NoContent) => true,
            (PaymentRequired, HttpStatusCode.PaymentRequired) => true,
            (Conflict, HttpStatusCode.Conflict) => true,
            (Unprocessable, HttpStatusCode.UnprocessableEntity) => true,
            (Gone, HttpStatusCode.Gone) => true,
            (Moved, HttpStatusCode.MovedPermanently) => true,
            (NotImplemented, HttpStatusCode.NotImplemented) => true,
            _ => false,
        };
    }

    private static string Describe(HttpResponseMessage r) =>
        $"{(int)r.StatusCode} {r.StatusCode}{(r.Headers.Location is { } l ? $" → {l}" : "")}";

    private static Expected Everyone(Answer a) => new(a, a, a, a, a);
    private static Expected SignedIn(Answer anonymous, Answer signedIn) => new(anonymous, signedIn, signedIn, signedIn, signedIn);
    private static Expected OwnerAndStaff(Answer others, Answer ownerAndStaff) => new(others, others, ownerAndStaff, ownerAndStaff, ownerAndStaff);
}

/// <summary>Who is asking. Browsers sign in with the real form; API clients send a personal token.</summary>
public enum Who { Anonymous, User, Owner, Moderator, Admin }

/// <summary>What the asker gets back.</summary>
public enum Answer
{
    /// <summary>200.</summary>
    Ok,
    /// <summary>302 somewhere other than the sign-in or error page: the action was done.</summary>
    Redirect,
    /// <summary>302 to the sign-in page, coming back to the same URL.</summary>
    ToLogin,
    BadRequest,
    /// <summary>401: the API's answer to a missing token.</summary>
    Unauthorized,
    Forbidden,
    NotFound,
    /// <summary>204: done, nothing to say (a deletion).</summary>
    NoContent,
    /// <summary>402: buy it first (or recharge).</summary>
    PaymentRequired,
    /// <summary>409: the state changed since the caller looked (a new price).</summary>
    Conflict,
    /// <summary>422: understood and refused (an idempotency key reused for another request).</summary>
    Unprocessable,
    /// <summary>410: the document was removed (下架).</summary>
    Gone,
    /// <summary>301: the page lives at another URL for good (a user's id → their slug).</summary>
    Moved,
    /// <summary>501: a format the endpoint does not offer (oEmbed XML).</summary>
    NotImplemented,
}

public sealed record Expected(Answer Anonymous, Answer User, Answer Owner, Answer Moderator, Answer Admin)
{
    public Answer For(Who who) => who switch
    {
        Who.Anonymous => Anonymous,
        Who.User => User,
        Who.Owner => Owner,
        Who.Moderator => Moderator,
        _ => Admin,
    };
}

/// <summary>One request to one route, with what each identity should get.</summary>
/// <param name="Route">"METHOD pattern" as the app declares it.</param>
/// <param name="Case">What this request tries.</param>
/// <param name="Url">The concrete URL; may prepare data (a fresh comment to delete).</param>
public sealed record Probe(string Route, string Case, Func<WalkSite, Task<string>> Url, Expected Expected)
{
    public Probe(string route, string @case, Func<WalkSite, string> url, Expected expected)
        : this(route, @case, w => Task.FromResult(url(w)), expected) { }

    /// <summary>Form fields of a site POST; the walk adds the antiforgery token.</summary>
    public Func<WalkSite, Who, Dictionary<string, string>>? Form { get; init; }

    /// <summary>Body of an API POST.</summary>
    public Func<HttpContent>? Body { get; init; }

    /// <summary>The request changes the session (sign-in, sign-out), so it gets a session of its own.</summary>
    public bool FreshSession { get; init; }

    /// <summary>The HTTP method; a Razor page handler's route ("POST?handler=Revoke /me/tokens") names its handler after it.</summary>
    public string Method => Route[..Route.IndexOf(' ', StringComparison.Ordinal)].Split('?')[0];
    public string Pattern => Route[(Route.IndexOf(' ', StringComparison.Ordinal) + 1)..];

    /// <summary>Requests under /api authenticate with bearer tokens, everything else with the cookie.</summary>
    public bool IsApi => Pattern.StartsWith("/api", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The site with four people (user, owner, moderator, admin) and the owner's documents: a free one of six pages with
/// two preview pages, a paid one like it, a failed one and a queued one, really uploaded and converted.
/// </summary>
public sealed class WalkSite : WenkuFactory, IAsyncLifetime
{
    private readonly Dictionary<Who, string> _ids = [];
    private readonly Dictionary<Who, HttpClient> _browsers = [];
    private readonly Dictionary<Who, HttpClient> _apis = [];
    private readonly Dictionary<HttpClient, string> _antiforgery = [];

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Wenku:Metrics:Enabled"] = "true" };

    public string FreeSalt { get; } = $"walkfree{Guid.NewGuid():N}"[..20];
    public long FreeDoc { get; private set; }
    public long PaidDoc { get; private set; }
    public long FailedDoc { get; private set; }
    public long QueuedDoc { get; private set; }

    /// <summary>A converted document of the owner (six pages, two in the preview), removed by the admin for infringement.</summary>
    public long RemovedDoc { get; private set; }

    public string EmailOf(Who who) => $"{who.ToString().ToLowerInvariant()}@walk.test";
    public string IdOf(Who who) => _ids[who];

    public HttpClient ClientOf(Who who, bool api) => (api ? _apis : _browsers)[who];

    public async Task InitializeAsync()
    {
        foreach (var (who, role) in new[] { (Who.User, Roles.User), (Who.Owner, Roles.User), (Who.Moderator, Roles.Moderator), (Who.Admin, Roles.Admin) })
        {
            _ids[who] = await CreateUserAsync(EmailOf(who), role);
            await using var scope = Services.CreateAsyncScope();
            var token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(_ids[who], "walk", CancellationToken.None);
            _apis[who] = ApiClient(token);
            _browsers[who] = await SignInAsync(who);
        }
        _apis[Who.Anonymous] = ApiClient(null);
        _browsers[Who.Anonymous] = Browser();

        var owner = _apis[Who.Owner];
        var uploads = await Task.WhenAll(
            owner.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(6, salt: FreeSalt), previewPages: 2, title: "免费文档 free")),
            owner.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(6), previewPages: 2, price: 5, title: "付费文档 paid")),
            owner.UploadAsync(TestPdfs.Upload("%PDF-1.7\n"u8.ToArray().Concat(Enumerable.Range(0, 5000).Select(i => (byte)(i * 7 % 251))).ToArray(), fileName: "broken.pdf")),
            owner.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(6, salt: "walkremoved"), previewPages: 2, title: "下架文档 removed")));
        (FreeDoc, PaidDoc, FailedDoc, RemovedDoc) = (uploads[0], uploads[1], uploads[2], uploads[3]);
        QueuedDoc = await WithDbAsync(async db =>
        {
            // A row without a job stays queued for as long as the test needs.
            var doc = new Document
            {
                Title = "排队文档 queued", CategoryId = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync(),
                UploaderId = _ids[Who.Owner], OriginalFileName = "queued.pdf", Format = "pdf", SizeBytes = 1,
                Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = "originals/walk/queued.pdf", PreviewPages = 2,
            };
            db.Documents.Add(doc);
            await db.SaveChangesAsync();
            return doc.Id;
        });

        var expected = new[] { (FreeDoc, DocumentStatus.Ready), (PaidDoc, DocumentStatus.Ready), (FailedDoc, DocumentStatus.Failed), (RemovedDoc, DocumentStatus.Ready) };
        foreach (var (id, status) in expected)
        {
            var doc = await WaitForDocumentAsync(id);
            doc.Status.ShouldBe(status, doc.Error);
            if (status == DocumentStatus.Ready) doc.PageCount.ShouldBe(6);
        }
        // The desktop WebP (/d/{id}/page/{n}.webp) exists only for documents converted as preview version 1; today's
        // conversions (version 2) have none. The walk's documents are made version-1 documents, so that route's doors
        // are walked with a file behind them.
        await using (var scope = Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<Wenku.Storage.IFileStore>();
            foreach (var id in new[] { FreeDoc, PaidDoc, RemovedDoc })
                for (var n = 1; n <= 6; n++)
                {
                    await using var phone = (await store.OpenReadAsync(PreviewVersions.PageKey(id, n, PreviewVersions.Size.Phone, webp: true), default))!;
                    await store.PutAsync(PreviewVersions.PageKey(id, n, PreviewVersions.Size.Desktop, webp: true), phone, default);
                }
        }
        await WithDbAsync(db => db.Documents.Where(d => d.Id == FreeDoc || d.Id == PaidDoc || d.Id == RemovedDoc)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.PreviewVersion, PreviewVersions.Sized)));
        await RemoveAsync(RemovedDoc);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    /// <summary>The routes of the running app, as "METHOD pattern"; Razor pages once per handler method.</summary>
    public async Task<HashSet<string>> RoutesAsync()
    {
        var pages = Services.GetRequiredService<PageLoader>();
        var routes = new HashSet<string>();
        foreach (var endpoint in Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            var pattern = "/" + endpoint.RoutePattern.RawText?.TrimStart('/'); // Razor pages declare theirs without the slash
            IEnumerable<string> methods;
            if (endpoint.Metadata.GetMetadata<PageActionDescriptor>() is { } page)
            {
                var compiled = await pages.LoadAsync(page, endpoint.Metadata);
                methods = compiled.HandlerMethods.Select(h => h.HttpMethod.ToUpperInvariant() + (h.Name is { } name ? $"?handler={name}" : ""));
            }
            else methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
            foreach (var method in methods) routes.Add($"{method} {pattern}");
        }
        return routes;
    }

    public async Task<(string Url, HttpResponseMessage Response)> SendAsync(Probe probe, Who who, HttpClient client, bool withAntiforgeryToken)
    {
        var url = await probe.Url(this);
        var request = new HttpRequestMessage(probe.Method == "*" ? HttpMethod.Get : new HttpMethod(probe.Method), url);
        if (probe.Body is not null) request.Content = probe.Body();
        else if (probe.Method == "POST")
        {
            var fields = probe.Form?.Invoke(this, who) ?? [];
            if (withAntiforgeryToken) fields["__RequestVerificationToken"] = await AntiforgeryTokenAsync(client);
            request.Content = new FormUrlEncodedContent(fields);
        }
        return (url, await client.SendAsync(request));
    }

    /// <summary>A client of its own for <paramref name="who"/>: a newly signed-in browser, or a token client.</summary>
    public async Task<HttpClient> NewSessionAsync(Who who, bool api) =>
        api ? _apis[who] : who == Who.Anonymous ? Browser() : await SignInAsync(who);

    public async Task<string> AntiforgeryTokenAsync(HttpClient browser)
    {
        if (!_antiforgery.TryGetValue(browser, out var token))
            _antiforgery[browser] = token = await browser.AntiforgeryTokenAsync("/account/login");
        return token;
    }

    /// <summary>A new document of the owner held as a near duplicate of the free document (a row, no conversion).</summary>
    public Task<long> HeldDocAsync() => WithDbAsync(async db =>
    {
        var doc = new Document
        {
            Title = "待审核文档 held", CategoryId = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync(),
            UploaderId = _ids[Who.Owner], OriginalFileName = "held.pdf", Format = "pdf", SizeBytes = 1,
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = "originals/walk/held.pdf", PreviewPages = 2,
            Status = DocumentStatus.Held, NearDuplicateOfId = FreeDoc, NearDuplicateScore = 0.9,
        };
        db.Documents.Add(doc);
        await db.SaveChangesAsync();
        return doc.Id;
    });

    /// <summary>An open claim by the user, with a PDF as evidence, on a new document of the owner (claims slice).</summary>
    public async Task<long> ClaimWithEvidenceAsync()
    {
        var doc = await DisposableDocAsync();
        await using var scope = Services.CreateAsyncScope();
        var pdf = "%PDF-1.4\n% walk evidence\n"u8.ToArray();
        var outcome = await scope.ServiceProvider.GetRequiredService<Wenku.Moderation.ClaimFiling>().FileAsync(doc, IdOf(Who.User), "走查 walk", false,
            new Wenku.Moderation.EvidenceUpload(new MemoryStream(pdf), pdf.Length, "walk.pdf"), CancellationToken.None);
        return outcome.ShouldBeOfType<Wenku.Moderation.ClaimFilingOutcome.Done>().Claim.Id;
    }

    /// <summary>A ready document of the owner without files, for a probe that deletes it.</summary>
    public Task<long> DisposableDocAsync() => WithDbAsync(async db =>
    {
        var doc = new Document
        {
            Title = "可删除文档 disposable", CategoryId = await db.Categories.Where(c => c.Slug == "other").Select(c => c.Id).SingleAsync(),
            UploaderId = _ids[Who.Owner], OriginalFileName = "disposable.pdf", Format = "pdf", SizeBytes = 1,
            Sha256 = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"), StorageKey = $"originals/walk/{Guid.NewGuid():N}.pdf",
            PreviewPages = 2, Status = DocumentStatus.Ready,
        };
        db.Documents.Add(doc);
        await db.SaveChangesAsync();
        return doc.Id;
    });

    /// <summary>A document of the owner removed by the admin (for infringement).</summary>
    private async Task RemoveAsync(long id)
    {
        await using var scope = Services.CreateAsyncScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<Wenku.Moderation.DocumentRemovals>()
            .RemoveAsync(id, Wenku.Moderation.RemovalCategory.Infringement, "走查下架 walk removal", _ids[Who.Admin], CancellationToken.None);
        outcome.ShouldBeOfType<Wenku.Moderation.RemovalOutcome.Done>();
    }

    /// <summary>A new document of the owner (a row without files) removed by the admin.</summary>
    public async Task<long> RemovedDisposableDocAsync()
    {
        var id = await DisposableDocAsync();
        await RemoveAsync(id);
        return id;
    }

    /// <summary>The owner's open appeal against the admin's removal of a new document.</summary>
    public async Task<long> OpenAppealAsync()
    {
        var id = await RemovedDisposableDocAsync();
        await using var scope = Services.CreateAsyncScope();
        var filed = await scope.ServiceProvider.GetRequiredService<Wenku.Moderation.Appeals>().FileAsync(id, "走查申诉 walk appeal", _ids[Who.Owner], CancellationToken.None);
        return filed.ShouldBeOfType<Wenku.Moderation.AppealOutcome.Done>().Appeal.Id;
    }

    /// <summary>A new API token of the owner (the owner's own client keeps its token), for a probe that revokes it.</summary>
    public async Task<long> TokenOfOwnerAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(_ids[Who.Owner], "walk revoke", CancellationToken.None);
        return await WithDbAsync(db => db.ApiTokens.Where(t => t.UserId == _ids[Who.Owner]).MaxAsync(t => t.Id));
    }

    /// <summary>A new open report of the user about a new document of the owner (a row), for a probe that decides it.</summary>
    public async Task<long> OpenReportAsync()
    {
        var doc = await DisposableDocAsync();
        return await WithDbAsync(async db =>
        {
            var report = new Wenku.Moderation.Report { DocumentId = doc, ReporterId = _ids[Who.User], Reason = Wenku.Moderation.ReportReason.Spam, Details = "走查 walk" };
            db.Reports.Add(report);
            await db.SaveChangesAsync();
            return report.Id;
        });
    }

    /// <summary>A new comment by <paramref name="author"/> on the free document.</summary>
    public Task<long> CommentByAsync(Who author) => WithDbAsync(async db =>
    {
        var comment = new Comment { DocumentId = FreeDoc, UserId = _ids[author], Body = $"{author} 的评论 comment" };
        db.Comments.Add(comment);
        await db.SaveChangesAsync();
        return comment.Id;
    });

    private async Task<HttpClient> SignInAsync(Who who)
    {
        var browser = Browser();
        var response = await browser.PostFormAsync("/account/login", "/account/login",
            new() { ["Email"] = EmailOf(who), ["Password"] = TestUsers.Password });
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, $"sign-in of {who}");
        return browser;
    }

    private HttpClient ApiClient(string? token)
    {
        var client = CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

}
