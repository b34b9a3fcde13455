using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wenku.Accounts;
using Wenku.Commerce;
using Wenku.Data;
using Wenku.Documents;
using Wenku.Moderation;
using Wenku.Storage;
using Wenku.Tests.Commerce;
using Wenku.Tests.Infrastructure;
using Xunit;

namespace Wenku.Tests.Moderation;

/// <summary>Claims (认领): filing with evidence on the site and through the API, and a moderator's decision moving the document and its earnings.</summary>
[Trait(WenkuFactory.Suite, WenkuFactory.OnBothStacks)]
public sealed class ClaimTests(CommerceSite site) : IClassFixture<CommerceSite>
{
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n% evidence: my manuscript\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0];

    private static string Email(string who) => $"{who}-{Guid.NewGuid():N}@claim.test";

    private static MultipartFormDataContent ClaimForm(string? statement, byte[]? evidence = null, string evidenceName = "evidence.pdf", bool? removal = null)
    {
        var form = new MultipartFormDataContent();
        if (statement is not null) form.Add(new StringContent(statement), "statement");
        if (evidence is not null) form.Add(new ByteArrayContent(evidence), "evidence", evidenceName);
        if (removal is { } r) form.Add(new StringContent(r ? "true" : "false"), "removal");
        return form;
    }

    private static async Task<long> FileAsync(HttpClient client, long doc, string statement = "这是我的原创作品 This is my original work", byte[]? evidence = null, bool? removal = null)
    {
        var response = await client.PostAsync($"/api/v1/documents/{doc}/claims", ClaimForm(statement, evidence, removal: removal));
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    private static Task<HttpResponseMessage> DecideAsync(HttpClient staff, long claim, string action, string reason = "证据充分 the evidence holds") =>
        staff.PostAsJsonAsync($"/api/v1/moderation/claims/{claim}/decision", new { action, reason });

    private Task<Claim> ClaimAsync(long id) => site.WithDbAsync(db => db.Claims.AsNoTracking().SingleAsync(c => c.Id == id));

    private async Task<Decision> DecideInProcessAsync(long claim, string action, string actorId)
    {
        await using var scope = site.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ClaimDecisions>().DecideAsync(claim, action, "审核 reviewed", actorId, CancellationToken.None);
    }

    private async Task<IReadOnlyList<LedgerViolation>> VerifyLedgerAsync() =>
        (await new LedgerVerifier(site.Services.GetRequiredService<IDbContextFactory<WenkuDb>>()).VerifyAsync(CancellationToken.None)).Violations;

    private async Task<(HttpClient Client, string Id)> BuyerWithPointsAsync(long points)
    {
        var buyer = await site.ApiClientAsync(Email("buyer"));
        await site.GrantAsync(buyer.UserId, points);
        return buyer;
    }

    [Fact]
    public async Task A_reader_claims_through_the_site_with_evidence_that_only_staff_can_fetch()
    {
        var uploaderId = await site.CreateUserAsync(Email("uploader"));
        var doc = await site.ReadyDocAsync(uploaderId, price: 0);
        var (browser, claimantId) = await site.SignedInBrowserAsync(Email("author"));

        var page = await browser.GetDocumentAsync($"/d/{doc}/claim");
        page.One("#claim-form input[name=Outcome][value=transfer]").HasAttribute("checked").ShouldBeTrue();
        var token = await browser.AntiforgeryTokenAsync($"/d/{doc}/claim");
        var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("我是这本书的作者 I wrote this book"), "Statement" },
            { new StringContent("transfer"), "Outcome" },
            { new ByteArrayContent(Pdf), "Evidence", "手稿 manuscript.pdf" },
        };
        var posted = await browser.PostAsync($"/d/{doc}/claim", form);
        posted.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var mine = await browser.GetDocumentAsync(posted.Headers.Location!.OriginalString);
        mine.One("#message").Text().ShouldContain("已提交认领");
        var row = mine.One("#claims tr[data-claim]");
        row.One(".state").GetAttribute("data-state").ShouldBe("Open");
        row.One(".asked").Text().ShouldContain("附证据");

        var claim = await site.WithDbAsync(db => db.Claims.AsNoTracking().SingleAsync(c => c.DocumentId == doc));
        claim.ClaimantId.ShouldBe(claimantId);
        claim.WantsRemoval.ShouldBeFalse();
        claim.EvidenceFormat.ShouldBe("pdf");
        claim.EvidenceBytes.ShouldBe(Pdf.Length);
        claim.EvidenceFileName.ShouldBe("手稿 manuscript.pdf");
        claim.EvidenceKey.ShouldStartWith("claims/");
        (await site.Services.GetRequiredService<IFileStore>().ExistsAsync(claim.EvidenceKey!, CancellationToken.None)).ShouldBeTrue();

        // The evidence: never to the public or the claimant, to staff as an attachment that is not sniffed.
        var evidenceUrl = $"/admin/claims/{claim.Id}/evidence";
        (await site.Browser().GetAsync(evidenceUrl)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await browser.GetAsync(evidenceUrl)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var (moderator, _) = await site.SignedInBrowserAsync(Email("mod"), Roles.Moderator);
        var evidence = await moderator.GetAsync(evidenceUrl);
        evidence.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await evidence.Content.ReadAsByteArrayAsync()).ShouldBe(Pdf);
        evidence.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
        evidence.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        evidence.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);

        // One open claim per reader and document: the page says so instead of showing the form again.
        var again = await browser.GetDocumentAsync($"/d/{doc}/claim");
        again.One("#open-claim").Text().ShouldContain($"#{claim.Id}");
        again.QuerySelectorAll("#claim-form").ShouldBeEmpty();
    }

    [Fact]
    public async Task The_document_page_links_the_claim_form_and_the_uploader_cannot_claim_their_own_document()
    {
        var (uploader, uploaderId) = await site.SignedInBrowserAsync(Email("uploader"));
        var doc = await site.ReadyDocAsync(uploaderId, price: 0);
        (await site.Browser().GetDocumentAsync($"/d/{doc}")).One("a[data-action=claim]").GetAttribute("href").ShouldBe($"/d/{doc}/claim");
        var own = await uploader.GetAsync($"/d/{doc}/claim");
        own.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        Html.Parse(await own.Content.ReadAsStringAsync()).One("[role=alert]").Text().ShouldContain("不能认领自己上传的文档");

        var (api, apiUploaderId) = await site.ApiClientAsync(Email("uploader-api"));
        var apiDoc = await site.ReadyDocAsync(apiUploaderId, 0);
        (await api.PostAsync($"/api/v1/documents/{apiDoc}/claims", ClaimForm("我的 mine"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_api_files_a_claim_once_and_names_what_is_wrong()
    {
        var uploaderId = await site.CreateUserAsync(Email("uploader"));
        var doc = await site.ReadyDocAsync(uploaderId, price: 5);
        var (api, _) = await site.ApiClientAsync(Email("author"));

        var missing = await api.PostAsync($"/api/v1/documents/{doc}/claims", ClaimForm(null, removal: false));
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString().ShouldBe("statement");
        var tooLong = await api.PostAsync($"/api/v1/documents/{doc}/claims", ClaimForm(new string('字', Claim.MaxStatement + 1)));
        tooLong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var badRemoval = await api.PostAsync($"/api/v1/documents/{doc}/claims", ClaimForm("我的 mine", removal: null).With("removal", "perhaps"));
        (await badRemoval.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString().ShouldBe("removal");
        (await api.PostAsync("/api/v1/documents/999999999/claims", ClaimForm("我的 mine"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var held = await site.ReadyDocAsync(uploaderId, price: 0, DocumentStatus.Held);
        (await api.PostAsync($"/api/v1/documents/{held}/claims", ClaimForm("我的 mine"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var id = await FileAsync(api, doc, evidence: Png, removal: true);
        var claim = await ClaimAsync(id);
        (claim.WantsRemoval, claim.EvidenceFormat, claim.State).ShouldBe((true, "png", ClaimState.Open));
        var twice = await api.PostAsync($"/api/v1/documents/{doc}/claims", ClaimForm("再一次 again"));
        twice.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await twice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("claim").GetInt64().ShouldBe(id);
    }

    [Fact]
    public async Task Evidence_is_bounded_in_size_and_judged_by_its_content_not_its_name()
    {
        var doc = await site.ReadyDocAsync(await site.CreateUserAsync(Email("uploader")), price: 0);
        var (api, _) = await site.ApiClientAsync(Email("author"));
        var big = new byte[ClaimFiling.MaxEvidenceBytes + 1];
        Pdf.CopyTo(big, 0);
        var tooBig = await api.PostAsync($"/api/v1/documents/{doc}/claims", ClaimForm("我的 mine", big));
        tooBig.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        var program = await api.PostAsync($"/api/v1/documents/{doc}/claims", ClaimForm("我的 mine", [(byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0], "scan.pdf"));
        program.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await program.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString()!.ShouldContain("a Windows program");
        var zip = await api.PostAsync($"/api/v1/documents/{doc}/claims", ClaimForm("我的 mine", [(byte)'P', (byte)'K', 5, 6, .. new byte[18]], "scan.png"));
        zip.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await site.WithDbAsync(db => db.Claims.CountAsync(c => c.DocumentId == doc))).ShouldBe(0);

        // A PNG sent as ".pdf" is stored as what it is; text under any name is plain text.
        var id = await FileAsync(api, doc, evidence: Png);
        (await ClaimAsync(id)).EvidenceFormat.ShouldBe("png");
    }

    [Fact]
    public async Task The_storage_sweep_removes_evidence_no_claim_names_and_keeps_what_claims_name()
    {
        var (api, _) = await site.ApiClientAsync(Email("sweep-claimant"));
        var doc = await site.ReadyDocAsync(await site.CreateUserAsync(Email("sweep-uploader")), price: 0);
        var claim = await ClaimAsync(await FileAsync(api, doc, evidence: Pdf));
        var store = site.Services.GetRequiredService<IFileStore>();
        const string orphan = "claims/0000000000000000000000000000orphan/evidence"; // stored, then the claim row never came
        await store.PutAsync(orphan, new MemoryStream(Pdf), CancellationToken.None);

        var janitor = site.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<StorageJanitor>().Single();
        await janitor.SweepAsync(TimeSpan.Zero, CancellationToken.None);

        var left = new List<string>();
        await foreach (var file in store.ListAsync("claims/", CancellationToken.None)) left.Add(file.Key);
        left.ShouldContain(claim.EvidenceKey!);
        left.ShouldNotContain(orphan);
    }

    /// <summary>
    /// Sales of 1,000 points (700 to the uploader each); the old uploader withdrew some of their earned points before the
    /// claim was approved: what they still hold moves, PlatformLosses bears the rest, and nothing goes negative.
    /// </summary>
    [Theory]
    [InlineData(2, 0, 0, 1400, 0)]       // all earnings still there: 1,400 move from the old uploader
    [InlineData(2, 1000, 0, 400, 1000)]  // withdrew 1,000: 400 move from them, 1,000 borne by the platform
    [InlineData(2, 1400, 0, 0, 1400)]    // withdrew everything: the platform bears it all
    [InlineData(1, 700, 700, 700, 0)]    // withdrew 700, but other earnings (a sale of another document) cover the transfer
    [InlineData(0, 0, 0, 0, 0)]          // nothing sold: the document moves, no points do
    public async Task Approving_a_claim_moves_the_document_and_its_past_earnings_exactly(int sales, long withdrawn, long otherEarnings,
        long expectedFromUploader, long expectedLoss)
    {
        var oldId = await site.CreateUserAsync(Email("old"));
        var doc = await site.ReadyDocAsync(oldId, price: 1000);
        var buyers = new List<(HttpClient Client, string Id)>();
        for (var i = 0; i < sales; i++)
        {
            var buyer = await BuyerWithPointsAsync(1000);
            (await LedgerMoves.BuyAsync(buyer.Client, doc, 1000)).StatusCode.ShouldBe(HttpStatusCode.OK);
            buyers.Add(buyer);
        }
        if (otherEarnings > 0)
        {
            var other = await site.ReadyDocAsync(oldId, price: 1000);
            (await LedgerMoves.BuyAsync((await BuyerWithPointsAsync(1000)).Client, other, 1000)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        if (withdrawn > 0) await LedgerMoves.WithdrawalAsync(site, oldId, withdrawn, WithdrawalState.Paid);
        var oldEarnedBefore = (await site.BalanceAsync(oldId)).Earned;

        var (claimant, claimantId) = await site.ApiClientAsync(Email("author"));
        var claimId = await FileAsync(claimant, doc);
        var (staff, staffId) = await site.ApiClientAsync(Email("mod"), Roles.Moderator);
        var decided = await DecideAsync(staff, claimId, "approve");
        decided.StatusCode.ShouldBe(HttpStatusCode.OK, await decided.Content.ReadAsStringAsync());
        var answer = await decided.Content.ReadFromJsonAsync<JsonElement>();
        (answer.GetProperty("id").GetInt64(), answer.GetProperty("state").GetString()).ShouldBe((claimId, "approved"));

        var moved = sales * 700L;
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.UploaderId).SingleAsync())).ShouldBe(claimantId);
        (await site.BalanceAsync(claimantId)).Earned.ShouldBe(moved);
        (await site.BalanceAsync(oldId)).Earned.ShouldBe(oldEarnedBefore - expectedFromUploader);
        var claim = await ClaimAsync(claimId);
        (claim.State, claim.PreviousUploaderId, claim.DecidedById).ShouldBe((ClaimState.Approved, oldId, staffId));
        if (moved == 0) claim.TransferTransactionId.ShouldBeNull();
        else
        {
            var postings = await site.WithDbAsync(db => db.LedgerPostings.Where(p => p.TransactionId == claim.TransferTransactionId)
                .Select(p => new { p.Account.Owner, p.Account.Kind, p.Amount }).ToListAsync());
            var transfer = await site.WithDbAsync(db => db.LedgerTransactions.SingleAsync(t => t.Id == claim.TransferTransactionId));
            (transfer.Kind, transfer.Reference, transfer.DocumentId).ShouldBe((TransactionKind.ClaimTransfer, $"claim:{claimId}", (long?)doc));
            postings.Where(p => p.Owner == claimantId).Sum(p => p.Amount).ShouldBe(moved);
            postings.Where(p => p.Owner == oldId).Sum(p => p.Amount).ShouldBe(-expectedFromUploader);
            postings.Where(p => p.Kind == AccountKind.PlatformLosses).Sum(p => p.Amount).ShouldBe(-expectedLoss);
        }
        (await site.WithDbAsync(db => db.Purchases.Where(p => p.DocumentId == doc).Select(p => p.UploaderId).ToListAsync())).ShouldAllBe(u => u == claimantId);
        (await site.WithDbAsync(db => db.Notifications.Where(n => n.UserId == claimantId || n.UserId == oldId).Select(n => n.Kind).ToListAsync()))
            .ShouldBe([NotificationKinds.ClaimApproved, NotificationKinds.DocumentClaimedAway], ignoreOrder: true);
        var kinds = await site.WithDbAsync(db => db.AuditEntries.Where(a => (a.ObjectType == "claim" && a.ObjectId == claimId.ToString())
            || (a.ObjectType == "document" && a.ObjectId == doc.ToString())).Select(a => a.Kind).ToListAsync());
        kinds.ShouldBe([AuditKinds.ClaimApprove, AuditKinds.ClaimTransfer], ignoreOrder: true);
        (await VerifyLedgerAsync()).ShouldBeEmpty();

        // A later sale pays the claimant, who now sets the price.
        var later = await BuyerWithPointsAsync(1000);
        (await LedgerMoves.BuyAsync(later.Client, doc, 1000)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await site.BalanceAsync(claimantId)).Earned.ShouldBe(moved + 700);
        (await claimant.PatchAsJsonAsync($"/api/v1/documents/{doc}", new { price = 800 })).StatusCode.ShouldBe(HttpStatusCode.OK);

        // A refund of a purchase made before the transfer takes the share back from the claimant, who holds it now.
        if (sales > 0)
        {
            var old = await site.WithDbAsync(db => db.Purchases.Where(p => p.DocumentId == doc && p.BuyerId == buyers[0].Id).Select(p => p.Id).SingleAsync());
            await using var scope = site.Services.CreateAsyncScope();
            var refund = await scope.ServiceProvider.GetRequiredService<Refunds>().RefundAsync(old, staffId, "退款 refund", CancellationToken.None);
            refund.ShouldBeOfType<RefundOutcome.Done>().Receipt.FromUploader.ShouldBe(700);
            (await site.BalanceAsync(claimantId)).Earned.ShouldBe(moved);
            (await site.BalanceAsync(oldId)).Earned.ShouldBe(oldEarnedBefore - expectedFromUploader);
        }
        (await VerifyLedgerAsync()).ShouldBeEmpty();
        await using (var scope = site.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<AuditLog>().VerifyAsync(CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Approving_a_claim_that_asks_for_removal_removes_the_document_for_infringement()
    {
        var oldId = await site.CreateUserAsync(Email("old"));
        var doc = await site.ReadyDocAsync(oldId, price: 0);
        var (claimant, claimantId) = await site.ApiClientAsync(Email("author"));
        var claimId = await FileAsync(claimant, doc, removal: true);
        var (staff, _) = await site.ApiClientAsync(Email("mod"), Roles.Moderator);

        var decided = await DecideAsync(staff, claimId, "approve");
        decided.StatusCode.ShouldBe(HttpStatusCode.OK);
        var state = await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc)
            .Select(d => new { d.Status, d.UploaderId, Category = db.DocumentRemovals.Where(r => r.Id == d.RemovalId).Select(r => new { r.Category, r.ClaimId }).Single() }).SingleAsync());
        (state.Status, state.UploaderId, state.Category.Category, state.Category.ClaimId).ShouldBe((DocumentStatus.Removed, oldId, RemovalCategory.Infringement, (long?)claimId));
        var claim = await ClaimAsync(claimId);
        (claim.State, claim.TransferTransactionId).ShouldBe((ClaimState.Approved, null));
        (await claimant.GetAsync($"/api/v1/documents/{doc}/text")).StatusCode.ShouldNotBe(HttpStatusCode.OK);
        (await DecideAsync(staff, claimId, "approve")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Rejecting_a_claim_moves_nothing_and_a_claim_is_decided_once()
    {
        var oldId = await site.CreateUserAsync(Email("old"));
        var doc = await site.ReadyDocAsync(oldId, price: 1000);
        var buyer = await BuyerWithPointsAsync(1000);
        (await LedgerMoves.BuyAsync(buyer.Client, doc, 1000)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (claimant, claimantId) = await site.ApiClientAsync(Email("author"));
        var claimId = await FileAsync(claimant, doc);
        var (staff, _) = await site.ApiClientAsync(Email("mod"), Roles.Moderator);
        var (reader, _) = await site.ApiClientAsync(Email("reader"));

        (await DecideAsync(reader, claimId, "approve")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await DecideAsync(staff, claimId, "approve", reason: "")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await DecideAsync(staff, claimId, "shrug")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await DecideAsync(staff, 999999999, "reject")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var rejected = await DecideAsync(staff, claimId, "reject", "证据不足 not enough evidence");
        rejected.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await rejected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString().ShouldBe("rejected");
        (await DecideAsync(staff, claimId, "approve")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await DecideInProcessAsync(claimId, ClaimDecisions.Reject, "system")).ShouldBeOfType<Decision.NotOpen>();

        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.UploaderId).SingleAsync())).ShouldBe(oldId);
        (await site.BalanceAsync(oldId)).Earned.ShouldBe(700);
        (await site.BalanceAsync(claimantId)).Earned.ShouldBe(0);
        (await site.WithDbAsync(db => db.Notifications.Where(n => n.UserId == claimantId).Select(n => n.Kind).ToListAsync())).ShouldBe([NotificationKinds.ClaimRejected]);

        // The claimant sees the outcome and the reason; with the claim closed they may claim again.
        var (browser, browserId) = await site.SignedInBrowserAsync(Email("author-site"));
        var second = await FileAsync(await TokenClientAsync(browserId), doc);
        await DecideAsync(staff, second, "reject", "不是原作者 not the author");
        var row = (await browser.GetDocumentAsync("/me/claims")).One($"#claims tr[data-claim='{second}']");
        row.One(".state").GetAttribute("data-state").ShouldBe("Rejected");
        row.One(".decision").Text().ShouldContain("not the author");
        await FileAsync(await TokenClientAsync(browserId), doc);
    }

    [Fact]
    public async Task Of_two_claims_on_one_document_approved_at_once_one_wins()
    {
        var oldId = await site.CreateUserAsync(Email("old"));
        var doc = await site.ReadyDocAsync(oldId, price: 1000);
        var buyer = await BuyerWithPointsAsync(1000);
        (await LedgerMoves.BuyAsync(buyer.Client, doc, 1000)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var first = await site.ApiClientAsync(Email("author1"));
        var second = await site.ApiClientAsync(Email("author2"));
        var claims = new[] { await FileAsync(first.Client, doc), await FileAsync(second.Client, doc) };
        var staffId = await site.CreateUserAsync(Email("mod"), Roles.Moderator);

        var decisions = await Task.WhenAll(claims.Select(c => Task.Run(() => DecideInProcessAsync(c, ClaimDecisions.Approve, staffId))));
        decisions.Count(d => d is Decision.Done).ShouldBe(1);
        decisions.Single(d => d is not Decision.Done).ShouldBeOfType<Decision.NotAllowed>();
        var winner = claims[Array.FindIndex(decisions, d => d is Decision.Done)];
        var winnerId = winner == claims[0] ? first.UserId : second.UserId;
        (await site.WithDbAsync(db => db.Documents.Where(d => d.Id == doc).Select(d => d.UploaderId).SingleAsync())).ShouldBe(winnerId);
        (await site.BalanceAsync(winnerId)).Earned.ShouldBe(700);
        (await site.BalanceAsync(oldId)).Earned.ShouldBe(0);
        (await site.BalanceAsync(winnerId == first.UserId ? second.UserId : first.UserId)).Earned.ShouldBe(0);
        // The loser stays open for a moderator to reject.
        (await ClaimAsync(claims.Single(c => c != winner))).State.ShouldBe(ClaimState.Open);
        (await VerifyLedgerAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Ledger_verify_names_a_claim_transfer_that_no_approved_claim_accounts_for()
    {
        var oldId = await site.CreateUserAsync(Email("old"));
        var doc = await site.ReadyDocAsync(oldId, price: 1000);
        (await LedgerMoves.BuyAsync((await BuyerWithPointsAsync(1000)).Client, doc, 1000)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (claimant, _) = await site.ApiClientAsync(Email("author"));
        var claimId = await FileAsync(claimant, doc);
        (await DecideInProcessAsync(claimId, ClaimDecisions.Approve, await site.CreateUserAsync(Email("mod"), Roles.Moderator))).ShouldBeOfType<Decision.Done>();
        (await VerifyLedgerAsync()).ShouldBeEmpty();

        var transfer = (await ClaimAsync(claimId)).TransferTransactionId;
        await site.WithDbAsync(db => db.Claims.Where(c => c.Id == claimId).ExecuteUpdateAsync(s => s.SetProperty(c => c.TransferTransactionId, (long?)null)));
        try
        {
            (await VerifyLedgerAsync()).ShouldContain(v => v.Rule == "claim-transfer" && v.Subject.Contains($"claim:{claimId}"));
        }
        finally
        {
            await site.WithDbAsync(db => db.Claims.Where(c => c.Id == claimId).ExecuteUpdateAsync(s => s.SetProperty(c => c.TransferTransactionId, transfer)));
        }
    }

    private async Task<HttpClient> TokenClientAsync(string userId)
    {
        await using var scope = site.Services.CreateAsyncScope();
        var token = await scope.ServiceProvider.GetRequiredService<ApiTokens>().CreateAsync(userId, "test", CancellationToken.None);
        var client = site.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

internal static class MultipartExtensions
{
    public static MultipartFormDataContent With(this MultipartFormDataContent form, string name, string value)
    {
        form.Add(new StringContent(value), name);
        return form;
    }
}
