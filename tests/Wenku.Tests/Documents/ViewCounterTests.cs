using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Wenku.Documents;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Documents;

/// <summary>A view counts once per reader, document and day, however often the page is fetched.</summary>
public sealed class ViewCounterTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
    private ViewCounter NewCounter() => new(null!, _clock, NullLogger<ViewCounter>.Instance);

    private static async Task ViewAsync(ViewCounter views, long id, string address, string userAgent, string? userId = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = $"/d/{id}";
        context.Request.Headers.UserAgent = userAgent;
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        if (userId is not null)
            context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId)], "test"));
        await views.CountPageViewsAsync(context, () =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task A_hundred_requests_from_one_reader_count_one_view()
    {
        var views = NewCounter();
        for (var i = 0; i < 100; i++) await ViewAsync(views, 7, "203.0.113.5", "wrk");
        views.Pending(7).ShouldBe(1);
    }

    [Fact]
    public async Task Two_readers_count_two_views_and_each_document_counts_apart()
    {
        var views = NewCounter();
        await ViewAsync(views, 7, "203.0.113.5", "wrk");
        await ViewAsync(views, 7, "203.0.113.6", "wrk");
        await ViewAsync(views, 7, "203.0.113.6", "wrk");
        await ViewAsync(views, 8, "203.0.113.6", "wrk");
        views.Pending(7).ShouldBe(2);
        views.Pending(8).ShouldBe(1);
    }

    [Fact]
    public async Task A_signed_in_reader_counts_once_from_any_address()
    {
        var views = NewCounter();
        await ViewAsync(views, 7, "203.0.113.5", "phone", userId: "reader-1");
        await ViewAsync(views, 7, "198.51.100.9", "laptop", userId: "reader-1");
        await ViewAsync(views, 7, "198.51.100.9", "laptop", userId: "reader-2");
        views.Pending(7).ShouldBe(2);
    }

    [Fact]
    public async Task The_same_reader_counts_again_the_next_day()
    {
        var views = NewCounter();
        await ViewAsync(views, 7, "203.0.113.5", "wrk");
        _clock.Advance(TimeSpan.FromHours(15)); // 01:00 the next day (UTC)
        await ViewAsync(views, 7, "203.0.113.5", "wrk");
        await ViewAsync(views, 7, "203.0.113.5", "wrk");
        views.Pending(7).ShouldBe(2);
    }

    [Fact]
    public async Task A_page_that_failed_or_is_not_a_document_counts_nothing()
    {
        var views = NewCounter();
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/d/7";
        await views.CountPageViewsAsync(context, () =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await ViewAsync(views, 7, "203.0.113.5", "wrk");
        views.Pending(7).ShouldBe(1);
    }
}
