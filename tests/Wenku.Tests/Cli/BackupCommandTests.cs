using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Cli;

/// <summary>
/// <c>wenku admin backup</c> of a running site (the real program, uploading and converting meanwhile) and
/// <c>wenku admin restore</c> into a new folder, where a new site serves everything the backup held.
/// </summary>
public sealed class BackupCommandTests : IDisposable
{
    private readonly string _data = TestPaths.NewTempDir("backup-src");
    private readonly string _archives = TestPaths.NewTempDir("backup-archives");
    private readonly string _restored = Path.Combine(TestPaths.NewTempDir("backup-dst"), "data");
    private readonly string _refused = TestPaths.NewTempDir("backup-refused");

    private static readonly Dictionary<string, string> Env = new()
    {
        ["Wenku__Workers"] = "1",
        ["Wenku__UploadsPerHour"] = "100000",
        ["Wenku__Conversion__LeaseSeconds"] = "5",
        ["Wenku__Conversion__PageBatchSize"] = "2",
        ["Wenku__Conversion__Parallelism"] = "1",
    };

    private static readonly byte[] Evidence = "%PDF-1.4\n% my manuscript\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"u8.ToArray();

    [Fact]
    public async Task A_backup_taken_during_uploads_restores_documents_pages_search_users_and_sessions()
    {
        await WenkuProcess.RunAsync("admin", "create-user", "--data", _data, "--email", "backup-up@test.local", "--password", TestUsers.Password);
        await WenkuProcess.RunAsync("admin", "create-user", "--data", _data, "--email", "backup-reader@test.local", "--password", TestUsers.Password);
        var token = await WenkuProcess.RunAsync("admin", "create-token", "--data", _data, "--email", "backup-up@test.local");
        var archive = Path.Combine(_archives, "site.tar.gz");

        var ready = new Dictionary<long, byte[]>(); // document → its first page image as the site served it
        var words = new Dictionary<long, string>(); // document → a word only its title has
        long converting, lateUpload;
        string cookie;
        using (var site = await WenkuProcess.StartServeAsync(_data, Env))
        {
            using var api = OperatorCli.ApiClient(site.BaseAddress, token);
            for (var i = 1; i <= 3; i++)
            {
                var id = await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(3, salt: $"backup-{i}"), title: $"备份演练 rehearsal{i}"));
                words[id] = $"rehearsal{i}";
                await OperatorCli.WaitForStatusAsync(api, id, "ready");
                ready[id] = await api.GetByteArrayAsync($"/d/{id}/page/1.jpg");
            }
            foreach (var (id, word) in words) await OperatorCli.WaitForHitAsync(api, word, id);
            cookie = await OperatorCli.SignInCookieAsync(site.BaseAddress, "backup-reader@test.local", TestUsers.Password);

            // A rights holder's claim with its evidence file: the evidence is in the backup too.
            var readerToken = await WenkuProcess.RunAsync("admin", "create-token", "--data", _data, "--email", "backup-reader@test.local");
            using var reader = OperatorCli.ApiClient(site.BaseAddress, readerToken);
            var claim = new MultipartFormDataContent
            {
                { new StringContent("这是我的原稿 my manuscript"), "statement" }, { new ByteArrayContent(Evidence), "evidence", "proof.pdf" },
            };
            (await reader.PostAsync($"/api/v1/documents/{words.Keys.First()}/claims", claim)).StatusCode.ShouldBe(HttpStatusCode.Created);

            // While the backup runs: a long document converts, and another upload is half sent.
            converting = await api.UploadAsync(TestPdfs.Upload(TestPdfs.MultiPage(80, salt: "backup-long"), title: "备份时转换 converting"));
            var gate = new TaskCompletionSource();
            using var slowApi = OperatorCli.ApiClient(site.BaseAddress, token);
            var slow = slowApi.UploadAsync(SlowUpload(TestPdfs.MultiPage(2, salt: "backup-slow"), gate.Task));
            await OperatorCli.WaitForStatusAsync(api, converting, "processing");

            var backup = await OperatorCli.RunAsync("admin", "backup", "--data", _data, "--to", archive);
            backup.ExitCode.ShouldBe(0, backup.ToString());
            backup.Output.ShouldContain("4 documents, 2 users"); // three ready, one converting; the half-sent one is not there yet
            slow.IsCompleted.ShouldBeFalse("the upload was to be in flight during the backup");
            gate.SetResult();
            lateUpload = await slow;
        }

        var restore = await OperatorCli.RunAsync("admin", "restore", "--from", archive, "--data", _restored);
        restore.ExitCode.ShouldBe(0, restore.ToString());
        // Three, or four if the long conversion finished before the database was copied (a fast machine).
        restore.Output.ShouldMatch(@"search rebuilt: [34] documents");
        Directory.Exists(Path.Combine(_restored, "search")).ShouldBeTrue();

        using (var site = await WenkuProcess.StartServeAsync(_restored, Env))
        {
            using var api = OperatorCli.ApiClient(site.BaseAddress, token); // the API token was restored with its user
            foreach (var (id, page) in ready)
            {
                (await OperatorCli.StatusAsync(api, id)).ShouldBe("ready");
                (await api.GetByteArrayAsync($"/d/{id}/page/1.jpg")).ShouldBe(page);
            }
            foreach (var (id, word) in words) await OperatorCli.WaitForHitAsync(api, word, id);
            // The document that was converting when the database was copied converts again here.
            await OperatorCli.WaitForStatusAsync(api, converting, "ready");
            (await api.GetAsync($"/d/{converting}/page/80.jpg")).StatusCode.ShouldBe(HttpStatusCode.OK);
            // The upload that finished after the copy is not in the backup.
            (await api.GetAsync($"/api/v1/documents/{lateUpload}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

            // The reader's cookie from the old site still signs them in (the keys and the security stamp came along),
            // and their password works.
            using var returning = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = site.BaseAddress };
            returning.DefaultRequestHeaders.Add("Cookie", cookie);
            (await returning.GetAsync("/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
            File.ReadAllBytes(Directory.EnumerateFiles(Path.Combine(_restored, "files", "claims"), "*", SearchOption.AllDirectories).ShouldHaveSingleItem())
                .ShouldBe(Evidence);
            await OperatorCli.SignInCookieAsync(site.BaseAddress, "backup-reader@test.local", TestUsers.Password);
        }

        // A damaged archive is refused, and nothing is restored from it.
        var bytes = await File.ReadAllBytesAsync(archive);
        for (var i = bytes.Length / 2; i < bytes.Length / 2 + 16; i++) bytes[i] ^= 0x5A;
        var damaged = Path.Combine(_archives, "damaged.tar.gz");
        await File.WriteAllBytesAsync(damaged, bytes);
        var refused = await OperatorCli.RunAsync("admin", "restore", "--from", damaged, "--data", _refused);
        refused.ExitCode.ShouldBe(1, refused.ToString());
        refused.Error.ShouldContain("damaged");
        Directory.EnumerateFileSystemEntries(_refused).ShouldBeEmpty();
    }

    [Fact]
    public async Task Restore_refuses_a_folder_that_is_not_empty_and_an_archive_whose_file_was_changed()
    {
        await WenkuProcess.RunAsync("admin", "create-user", "--data", _data, "--email", "backup-small@test.local", "--password", TestUsers.Password);
        var archive = Path.Combine(_archives, "small.tar");
        (await OperatorCli.RunAsync("admin", "backup", "--data", _data, "--to", archive)).ExitCode.ShouldBe(0);

        await File.WriteAllTextAsync(Path.Combine(_refused, "something.txt"), "already here");
        var occupied = await OperatorCli.RunAsync("admin", "restore", "--from", archive, "--data", _refused);
        occupied.ExitCode.ShouldBe(1, occupied.ToString());
        occupied.Error.ShouldContain("is not empty");
        File.Exists(Path.Combine(_refused, "wenku.db")).ShouldBeFalse();
        var forced = await OperatorCli.RunAsync("admin", "restore", "--from", archive, "--data", _refused, "--force");
        forced.ExitCode.ShouldBe(0, forced.ToString());
        forced.Output.ShouldContain("Restored 0 documents, 1 users");
        File.Exists(Path.Combine(_refused, "wenku.db")).ShouldBeTrue();

        // Uncompressed, the database's bytes are in plain sight: change one and the hash no longer matches.
        var bytes = await File.ReadAllBytesAsync(archive);
        var header = System.Text.Encoding.ASCII.GetBytes("SQLite format 3");
        var at = bytes.AsSpan().IndexOf(header);
        at.ShouldBeGreaterThan(0);
        bytes[at + 200] ^= 0x01;
        await File.WriteAllBytesAsync(archive, bytes);
        var changed = await OperatorCli.RunAsync("admin", "restore", "--from", archive, "--data", _restored);
        changed.ExitCode.ShouldBe(1, changed.ToString());
        changed.Error.ShouldContain("wenku.db: content differs from the manifest");
        File.Exists(Path.Combine(_restored, "wenku.db")).ShouldBeFalse();
    }

    [Fact]
    public async Task Backup_of_a_scale_out_site_is_refused_with_a_pointer_to_the_readme()
    {
        var outcome = await OperatorCli.RunAsync(new Dictionary<string, string>
        {
            ["Wenku__Database__Provider"] = "postgres",
            ["Wenku__Database__ConnectionString"] = "Host=127.0.0.1;Database=unused;Username=unused",
            ["Wenku__Storage__Provider"] = "s3",
        }, "admin", "backup", "--data", _data, "--to", Path.Combine(_archives, "never.tar"));
        outcome.ExitCode.ShouldBe(1, outcome.ToString());
        outcome.Error.ShouldContain("pg_dump");
        outcome.Error.ShouldContain("README");
        File.Exists(Path.Combine(_archives, "never.tar")).ShouldBeFalse();
    }

    /// <summary>An upload whose body stops halfway until <paramref name="gate"/> opens.</summary>
    private static MultipartFormDataContent SlowUpload(byte[] pdf, Task gate) => new()
    {
        { new StreamContent(new GatedStream(pdf, pdf.Length / 2, gate)), "file", "slow.pdf" },
        { new StringContent("other"), "category" },
    };

    private sealed class GatedStream(byte[] data, int open, Task gate) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= open) await gate.WaitAsync(cancellationToken);
            var end = _position < open ? open : data.Length;
            var n = Math.Min(buffer.Length, end - _position);
            data.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return n;
        }
    }

    public void Dispose()
    {
        TestPaths.TryDelete(_data);
        TestPaths.TryDelete(_archives);
        TestPaths.TryDelete(Path.GetDirectoryName(_restored)!);
        TestPaths.TryDelete(_refused);
    }
}
