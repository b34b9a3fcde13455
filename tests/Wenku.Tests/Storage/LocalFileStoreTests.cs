using System.Text;
using Wenku.Storage;
using Wenku.Tests.Infrastructure;

namespace Wenku.Tests.Storage;

public sealed class LocalFileStoreTests : IDisposable
{
    private readonly string _root = TestPaths.NewTempDir("store");

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("pages/../../escape.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("Pages/1.jpg")]
    [InlineData("pages/名字.jpg")]
    [InlineData("")]
    public async Task Keys_that_could_leave_the_store_are_refused(string key)
    {
        var store = new LocalFileStore(_root);
        await Should.ThrowAsync<ArgumentException>(() => store.PutAsync(key, new MemoryStream([1]), CancellationToken.None));
        await Should.ThrowAsync<ArgumentException>(() => store.OpenReadAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task Files_are_stored_read_listed_and_deleted()
    {
        var store = new LocalFileStore(_root);
        await store.PutAsync("pages/1/1.jpg", new MemoryStream("one"u8.ToArray()), CancellationToken.None);
        var local = Path.Combine(TestPaths.NewTempDir("local"), "x.pdf");
        await File.WriteAllTextAsync(local, "two");
        await store.PutFileAsync("originals/2026/01/x.pdf", local, CancellationToken.None);
        File.Exists(local).ShouldBeFalse();

        await using (var s = await store.OpenReadAsync("originals/2026/01/x.pdf", CancellationToken.None))
            (await new StreamReader(s!, Encoding.UTF8).ReadToEndAsync()).ShouldBe("two");
        (await store.OpenReadAsync("pages/9/9.jpg", CancellationToken.None)).ShouldBeNull();

        var keys = new List<string>();
        await foreach (var f in store.ListAsync("pages/", CancellationToken.None)) keys.Add(f.Key);
        keys.ShouldBe(["pages/1/1.jpg"]);

        await store.DeleteAsync("pages/1/1.jpg", CancellationToken.None);
        (await store.ExistsAsync("pages/1/1.jpg", CancellationToken.None)).ShouldBeFalse();
        (await store.IsWritableAsync(CancellationToken.None)).ShouldBeTrue();
    }

    public void Dispose() => TestPaths.TryDelete(_root);
}
