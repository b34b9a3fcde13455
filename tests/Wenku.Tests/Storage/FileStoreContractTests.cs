using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Storage;

public sealed class LocalFileStoreTests : FileStoreContractTests
{
    private readonly string _root = TestPaths.NewTempDir("store");

    protected override Task<IFileStore> CreateStoreAsync() => Task.FromResult<IFileStore>(new LocalFileStore(_root));

    protected override Task DeleteStoreAsync()
    {
        TestPaths.TryDelete(_root);
        return Task.CompletedTask;
    }
}

/// <summary>The S3 store against a real S3-compatible server (s3rver), in a bucket of its own.</summary>
public sealed class S3FileStoreTests : FileStoreContractTests
{
    private readonly S3StorageOptions _options = Small(ScaleOutServices.NewBucket("store"));

    // The smallest parts S3 allows, so that the large-file test is a real multipart upload without taking long.
    private static S3StorageOptions Small(S3StorageOptions o)
    {
        o.MultipartThresholdBytes = 5 * 1024 * 1024;
        o.PartSizeBytes = 5 * 1024 * 1024;
        o.Prefix = "site-a/";
        return o;
    }

    protected override async Task<IFileStore> CreateStoreAsync()
    {
        await ScaleOutServices.CreateBucketAsync(_options);
        return new S3FileStore(_options);
    }

    protected override Task DeleteStoreAsync() => ScaleOutServices.DeleteBucketAsync(_options);

    [Fact]
    public async Task A_large_file_is_uploaded_in_parts()
    {
        var client = (AmazonS3Client)S3FileStore.CreateClient(_options);
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        client.BeforeRequestEvent += (_, e) => requests.Enqueue(((Amazon.Runtime.WebServiceRequestEventArgs)e).Request.GetType().Name);
        using var store = new S3FileStore(_options, client);

        var local = await RandomFileAsync(11 * 1024 * 1024 + 123);
        await store.PutFileAsync("originals/big.pdf", local.Path, CancellationToken.None);

        requests.ShouldBe(["InitiateMultipartUploadRequest", "UploadPartRequest", "UploadPartRequest", "UploadPartRequest", "CompleteMultipartUploadRequest"]);
        (await store.ExistsAsync("originals/big.pdf", CancellationToken.None)).ShouldBeTrue();
    }

    [Fact]
    public async Task A_store_whose_bucket_is_missing_is_not_writable()
    {
        var missing = ScaleOutServices.NewBucket("missing");
        using var store = new S3FileStore(missing);
        (await store.IsWritableAsync(CancellationToken.None)).ShouldBeFalse();
    }
}

/// <summary>What every <see cref="IFileStore"/> must do, run against each of them.</summary>
public abstract class FileStoreContractTests : IAsyncLifetime
{
    protected IFileStore Store { get; private set; } = null!;
    private readonly string _localDir = TestPaths.NewTempDir("local");

    protected abstract Task<IFileStore> CreateStoreAsync();
    protected abstract Task DeleteStoreAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        await DeleteStoreAsync();
        TestPaths.TryDelete(_localDir);
    }

    protected async Task<(string Path, byte[] Sha256)> RandomFileAsync(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        var path = Path.Combine(_localDir, $"{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, bytes);
        return (path, SHA256.HashData(bytes));
    }

    private async Task<byte[]?> Sha256Async(string key)
    {
        await using var stream = await Store.OpenReadAsync(key, CancellationToken.None);
        return stream is null ? null : await SHA256.HashDataAsync(stream);
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("pages/../../escape.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("Pages/1.jpg")]
    [InlineData("pages/名字.jpg")]
    [InlineData("")]
    public async Task Keys_that_could_leave_the_store_are_refused(string key)
    {
        await Should.ThrowAsync<ArgumentException>(() => Store.PutAsync(key, new MemoryStream([1]), CancellationToken.None));
        await Should.ThrowAsync<ArgumentException>(() => Store.OpenReadAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task A_stored_file_opens_as_a_seekable_stream_of_known_length_for_ranges()
    {
        var bytes = new byte[300_000];
        Random.Shared.NextBytes(bytes);
        await Store.PutAsync("pages/9/1.jpg", new MemoryStream(bytes), CancellationToken.None);
        await using var stream = (await Store.OpenReadAsync("pages/9/1.jpg", CancellationToken.None))!;
        stream.CanSeek.ShouldBeTrue();
        stream.Length.ShouldBe(bytes.Length);
        var buffer = new byte[1000];
        stream.Seek(250_000, SeekOrigin.Begin);
        await stream.ReadExactlyAsync(buffer);
        buffer.ShouldBe(bytes[250_000..251_000]);
        stream.Position = 10;
        await stream.ReadExactlyAsync(buffer.AsMemory(0, 20));
        buffer[..20].ShouldBe(bytes[10..30]);
        stream.Seek(-5, SeekOrigin.End);
        var tail = new MemoryStream();
        await stream.CopyToAsync(tail);
        tail.ToArray().ShouldBe(bytes[^5..]);
    }

    [Fact]
    public async Task Files_are_stored_read_listed_and_deleted()
    {
        await Store.PutAsync("pages/1/1.jpg", new MemoryStream("one"u8.ToArray()), CancellationToken.None);
        var local = Path.Combine(_localDir, "x.pdf");
        await File.WriteAllTextAsync(local, "two");
        await Store.PutFileAsync("originals/2026/01/x.pdf", local, CancellationToken.None);
        File.Exists(local).ShouldBeFalse();

        await using (var s = await Store.OpenReadAsync("originals/2026/01/x.pdf", CancellationToken.None))
            (await new StreamReader(s!, Encoding.UTF8).ReadToEndAsync()).ShouldBe("two");
        (await Store.OpenReadAsync("pages/9/9.jpg", CancellationToken.None)).ShouldBeNull();
        (await Store.ExistsAsync("pages/9/9.jpg", CancellationToken.None)).ShouldBeFalse();

        var keys = new List<string>();
        await foreach (var f in Store.ListAsync("pages/", CancellationToken.None)) keys.Add(f.Key);
        keys.ShouldBe(["pages/1/1.jpg"]);

        await Store.DeleteAsync("pages/1/1.jpg", CancellationToken.None);
        (await Store.ExistsAsync("pages/1/1.jpg", CancellationToken.None)).ShouldBeFalse();
        await Store.DeleteAsync("pages/1/1.jpg", CancellationToken.None); // deleting what is gone is no error
        (await Store.IsWritableAsync(CancellationToken.None)).ShouldBeTrue();
    }

    [Fact]
    public async Task Files_come_back_byte_for_byte_from_a_file_a_stream_of_unknown_length_or_in_parts()
    {
        var small = await RandomFileAsync(300_000);
        await Store.PutFileAsync("pages/2/1.jpg", small.Path, CancellationToken.None);
        (await Sha256Async("pages/2/1.jpg")).ShouldBe(small.Sha256);

        var streamed = await RandomFileAsync(200_000);
        await using (var unseekable = new UnseekableStream(File.OpenRead(streamed.Path)))
            await Store.PutAsync("pages/2/2.jpg", unseekable, CancellationToken.None);
        (await Sha256Async("pages/2/2.jpg")).ShouldBe(streamed.Sha256);

        var large = await RandomFileAsync(11 * 1024 * 1024 + 123);
        await Store.PutFileAsync("originals/large.pdf", large.Path, CancellationToken.None);
        (await Sha256Async("originals/large.pdf")).ShouldBe(large.Sha256);

        // A second put replaces the first.
        var again = await RandomFileAsync(1000);
        await Store.PutFileAsync("pages/2/1.jpg", again.Path, CancellationToken.None);
        (await Sha256Async("pages/2/1.jpg")).ShouldBe(again.Sha256);
    }

    [Fact]
    public async Task Listing_finds_every_key_under_a_prefix_and_only_those()
    {
        for (var i = 1; i <= 30; i++)
            await Store.PutAsync($"pages/7/{i}.jpg", new MemoryStream([(byte)i]), CancellationToken.None);
        await Store.PutAsync("pages/70/1.jpg", new MemoryStream([1]), CancellationToken.None);
        var keys = new List<StoredFile>();
        await foreach (var f in Store.ListAsync("pages/7/", CancellationToken.None)) keys.Add(f);
        keys.Select(k => k.Key).Order().ShouldBe(Enumerable.Range(1, 30).Select(i => $"pages/7/{i}.jpg").Order());
        keys.ShouldAllBe(k => k.LastModifiedUtc > DateTime.UtcNow.AddHours(-1) && k.LastModifiedUtc < DateTime.UtcNow.AddHours(1));
        keys.ShouldAllBe(k => k.Size == 1);

        // The empty prefix lists the whole store (what migrate-storage copies).
        var all = new List<string>();
        await foreach (var f in Store.ListAsync("", CancellationToken.None)) all.Add(f.Key);
        all.ShouldContain("pages/70/1.jpg");
        all.ShouldContain("pages/7/30.jpg");
    }

    [Fact]
    public async Task Listing_goes_past_a_thousand_keys()
    {
        // S3 answers a listing in pages of at most 1000 keys; a library has many more previews than that.
        await Parallel.ForEachAsync(Enumerable.Range(1, 1001), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await Store.PutAsync($"pages/{i % 50}/{i}.jpg", new MemoryStream([(byte)i, 1]), ct));
        var count = 0;
        await foreach (var f in Store.ListAsync("", CancellationToken.None))
            if (f.Key.StartsWith("pages/", StringComparison.Ordinal) && f.Size == 2) count++;
        count.ShouldBe(1001);
    }

    private sealed class UnseekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
