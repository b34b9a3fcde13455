using System.Diagnostics;
using Amazon.S3;
using Npgsql;
using Wenku.Storage;

namespace Wenku.Tests.Infrastructure;

/// <summary>
/// The scale-out engines the tests run against for real: PostgreSQL and an S3-compatible server (s3rver), as
/// <c>scripts/services.sh</c> starts them on loopback. <c>scripts/test.sh</c> starts them before the tests; a test run
/// started otherwise (an IDE, <c>dotnet test --filter</c>) starts them here, once, with the same script.
/// Each test takes a database or a bucket of its own.
/// </summary>
public static class ScaleOutServices
{
    private static readonly Lazy<Dictionary<string, string>> Env = new(StartOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Connection string of a new, empty database (created by the migration; drop it with EnsureDeleted).</summary>
    public static string NewPostgresDatabase(string what) =>
        $"{Env.Value["WENKU_TEST_POSTGRES"]};Database=wenku_{what}_{Guid.NewGuid():N}";

    /// <summary>
    /// Connection string of the hot standby that <c>scripts/services.sh</c> runs beside the primary, to the database
    /// <paramref name="database"/> (replicated from the primary as soon as the standby has replayed its creation).
    /// </summary>
    public static string ReplicaDatabase(string database) =>
        (Env.Value.GetValueOrDefault("WENKU_TEST_POSTGRES_REPLICA")
            ?? throw new InvalidOperationException("WENKU_TEST_POSTGRES_REPLICA is not set: the services were started by an older " +
                "scripts/services.sh; run `bash scripts/services.sh start` again (it adds the standby without restarting the primary)."))
        + ";Database=" + database;

    /// <summary>Drops a test database, even while a (killed or lingering) worker process is still connected to it.</summary>
    public static async Task DropPostgresDatabaseAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var name = builder.Database!;
        builder.Database = "postgres";
        builder.Pooling = false;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Settings of the s3rver endpoint with a bucket that does not exist yet (see <see cref="CreateBucketAsync"/>).</summary>
    public static S3StorageOptions NewBucket(string what) => new()
    {
        ServiceUrl = Env.Value["WENKU_TEST_S3"],
        Bucket = $"{what}-{Guid.NewGuid():N}", // S3 bucket names: lower case, at most 63 characters
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
        ForcePathStyle = true,
    };

    public static async Task CreateBucketAsync(S3StorageOptions options)
    {
        using var s3 = S3FileStore.CreateClient(options);
        await s3.PutBucketAsync(options.Bucket);
    }

    public static async Task DeleteBucketAsync(S3StorageOptions options)
    {
        using var s3 = S3FileStore.CreateClient(options);
        try
        {
            var objects = await s3.ListObjectsV2Async(new() { BucketName = options.Bucket });
            foreach (var o in objects.S3Objects ?? []) await s3.DeleteObjectAsync(options.Bucket, o.Key);
            await s3.DeleteBucketAsync(options.Bucket);
        }
        catch (AmazonS3Exception) { }
    }

    /// <summary>The settings of a site or worker on PostgreSQL and s3rver.</summary>
    public static Dictionary<string, string?> SiteSettings(string postgres, S3StorageOptions s3) => new()
    {
        ["Wenku:Database:Provider"] = "postgres",
        ["Wenku:Database:ConnectionString"] = postgres,
        ["Wenku:Storage:Provider"] = "s3",
        ["Wenku:Storage:S3:ServiceUrl"] = s3.ServiceUrl,
        ["Wenku:Storage:S3:Bucket"] = s3.Bucket,
        ["Wenku:Storage:S3:AccessKey"] = s3.AccessKey,
        ["Wenku:Storage:S3:SecretKey"] = s3.SecretKey,
        ["Wenku:Storage:S3:ForcePathStyle"] = "true",
    };

    private static Dictionary<string, string> StartOnce()
    {
        string[] names = ["WENKU_TEST_POSTGRES", "WENKU_TEST_S3"];
        if (names.All(n => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(n))))
            return names.Append("WENKU_TEST_POSTGRES_REPLICA").Where(n => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(n)))
                .ToDictionary(n => n, n => Environment.GetEnvironmentVariable(n)!);

        var script = Path.Combine(RepositoryRoot(), "scripts", "services.sh");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("start");
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("scripts/services.sh start did not finish within 10 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/services.sh start failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("WENKU_TEST_", StringComparison.Ordinal) && l.Contains('='))
            .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Wenku.slnx"))) return dir.FullName;
        throw new InvalidOperationException("The repository (Wenku.slnx) is not above " + AppContext.BaseDirectory);
    }
}
