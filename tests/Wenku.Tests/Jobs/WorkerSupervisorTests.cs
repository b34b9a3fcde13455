using Microsoft.Extensions.Logging;
using Wenku.Jobs;

namespace Wenku.Tests.Jobs;

public sealed class WorkerSupervisorTests
{
    [Theory]
    [InlineData("fail: Wenku.Jobs.JobWorker[0] Job 7 (convert, document 3) failed on attempt 1", LogLevel.Error)]
    [InlineData("crit: Wenku.Jobs.JobWorker[0] out of disk", LogLevel.Critical)]
    [InlineData("warn: Wenku.Conversion.PdfConverter[0] pdftotext failed on pages 1-10", LogLevel.Warning)]
    [InlineData("info: Wenku.Conversion.ConvertDocumentJob[0] Document 3 ready: 2 pages", LogLevel.Information)]
    [InlineData("dbug: Microsoft.Hosting[0] starting", LogLevel.Debug)]
    [InlineData("   at Wenku.Jobs.JobWorker.RunOneAsync()", LogLevel.Information)]
    public void Worker_log_lines_keep_their_level_in_the_site_log(string line, LogLevel level) =>
        WorkerSupervisor.LevelOf(line).ShouldBe(level);
}
