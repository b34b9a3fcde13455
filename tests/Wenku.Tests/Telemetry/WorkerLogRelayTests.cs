using Microsoft.Extensions.Logging;
using Wenku.Jobs;

namespace Wenku.Tests.Telemetry;

public sealed class WorkerLogRelayTests
{
    [Fact]
    public void A_worker_error_event_keeps_its_level_category_properties_scopes_and_exception()
    {
        var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        // A line as the JSON console formatter writes it in the worker.
        const string line = """
            {"Timestamp":"2026-11-30T05:00:00.000Z","EventId":0,"LogLevel":"Error","Category":"Wenku.Jobs.JobWorker","Message":"Job 7 (convert, document 3) failed on attempt 1","Exception":"System.IO.IOException: disk full\n   at Wenku.Jobs.JobWorker.RunOneAsync()","State":{"Message":"Job 7 (convert, document 3) failed on attempt 1","JobId":7,"Kind":"convert","DocumentId":3,"Attempt":1,"{OriginalFormat}":"Job {JobId} ({Kind}, document {DocumentId}) failed on attempt {Attempt}"},"Scopes":[{"Message":"SpanId:1, TraceId:abc, ParentId:0","TraceId":"4bf92f3577b34da6a3ce929d0e0e4736"},{"Message":"job 7, document 3","JobId":7,"DocumentId":3}]}
            """;

        new WorkerLogRelay(factory).Relay(1, 4242, line, stderr: false);

        var e = logs.Events.ShouldHaveSingleItem();
        e.Category.ShouldBe("Wenku.Jobs.JobWorker");
        e.Level.ShouldBe(LogLevel.Error);
        e.Message.ShouldBe("Job 7 (convert, document 3) failed on attempt 1");
        e.Properties["DocumentId"].ShouldBe(3L);
        e.Properties["{OriginalFormat}"].ShouldBe("Job {JobId} ({Kind}, document {DocumentId}) failed on attempt {Attempt}");
        e.Find("TraceId").ShouldBe("4bf92f3577b34da6a3ce929d0e0e4736");
        e.Find("WorkerPid").ShouldBe(4242);
        e.Exception.ShouldNotBeNull().ToString().ShouldContain("disk full");
    }

    [Fact]
    public void A_line_that_is_not_a_log_event_is_passed_on_as_text()
    {
        var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));

        new WorkerLogRelay(factory).Relay(2, 4243, "Unhandled exception. System.OutOfMemoryException", stderr: true);

        var e = logs.Events.ShouldHaveSingleItem();
        e.Level.ShouldBe(LogLevel.Warning);
        e.Message.ShouldContain("System.OutOfMemoryException");
        e.Find("WorkerSlot").ShouldBe(2);
    }
}
