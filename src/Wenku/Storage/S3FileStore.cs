using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Wenku.Storage;

/// <summary>
/// Files in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage, s3rver …), for a site on several machines.
/// <para>
/// Downloads are proxied, not presigned: <c>serve</c> checks the preview limit and the download rights, then streams
/// the object through (never buffered whole). So the store can stay on a private network with no public endpoint, a
/// page past the limit never has a URL that works for someone else, and the site's URLs, caching headers and download
/// counting are the same on both stores. Presigned redirects would save the web tier the bytes; add them for
/// originals if that ever becomes the bottleneck.
/// </para>
/// <para>
/// Uploads are not chunk-encoded (<c>UseChunkEncoding = false</c>) and carry checksums only where S3 requires them: the
/// SDK's defaults (aws-chunked bodies with trailing checksums) are not understood by every S3-compatible store, and
/// s3rver stores the chunk framing inside the object. Files from <see cref="S3StorageOptions.MultipartThresholdBytes"/>
/// up go in parts of <see cref="S3StorageOptions.PartSizeBytes"/>, read straight from the local file.
/// </para>
/// </summary>
public sealed class S3FileStore : IFileStore, IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly S3StorageOptions _options;
    private readonly string _prefix;

    public S3FileStore(S3StorageOptions options) : this(options, CreateClient(options)) { }

    /// <summary>A store that uses (and disposes) <paramref name="client"/>, made by <see cref="CreateClient"/>.</summary>
    public S3FileStore(S3StorageOptions options, IAmazonS3 client)
    {
        _options = options;
        _prefix = string.IsNullOrEmpty(options.Prefix) ? "" : options.Prefix.TrimEnd('/') + "/";
        _s3 = client;
    }

    /// <summary>A client for these settings; with no access key, the SDK's usual chain (environment, instance role).</summary>
    public static IAmazonS3 CreateClient(S3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = string.IsNullOrWhiteSpace(options.Region) ? "us-east-1" : options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        return string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public async Task PutFileAsync(string key, string localPath, CancellationToken ct)
    {
        StorageKeys.Validate(key);
        var size = new FileInfo(localPath).Length;
        if (size >= _options.MultipartThresholdBytes) await PutInPartsAsync(ObjectKey(key), localPath, size, ct);
        else
            await _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.Bucket, Key = ObjectKey(key), FilePath = localPath, UseChunkEncoding = false,
            }, ct);
        File.Delete(localPath);
    }

    public async Task PutAsync(string key, Stream content, CancellationToken ct)
    {
        StorageKeys.Validate(key);
        if (content.CanSeek && content.Length - content.Position < _options.MultipartThresholdBytes)
        {
            await _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.Bucket, Key = ObjectKey(key), InputStream = content, AutoCloseStream = false, UseChunkEncoding = false,
            }, ct);
            return;
        }
        // Unknown or large size: S3 needs the length (and, over plain HTTP, the payload's hash) up front.
        var temp = Path.Combine(Path.GetTempPath(), $"wenku-s3-{Guid.NewGuid():N}.part");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                await content.CopyToAsync(file, ct);
            await PutFileAsync(key, temp, ct);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private async Task PutInPartsAsync(string objectKey, string localPath, long size, CancellationToken ct)
    {
        var upload = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = objectKey }, ct);
        try
        {
            var parts = new List<PartETag>();
            for (long position = 0; position < size; position += _options.PartSizeBytes)
            {
                var partSize = Math.Min(_options.PartSizeBytes, size - position);
                var part = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket, Key = objectKey, UploadId = upload.UploadId, PartNumber = parts.Count + 1,
                    FilePath = localPath, FilePosition = position, PartSize = partSize,
                    IsLastPart = position + partSize >= size, UseChunkEncoding = false,
                }, ct);
                parts.Add(new PartETag(parts.Count + 1, part.ETag));
            }
            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket, Key = objectKey, UploadId = upload.UploadId, PartETags = parts,
            }, ct);
        }
        catch
        {
            // The parts uploaded so far would otherwise be kept (and billed) by the store.
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = _options.Bucket, Key = objectKey, UploadId = upload.UploadId,
            }, CancellationToken.None);
            throw;
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        StorageKeys.Validate(key);
        try
        {
            // The response stream reads from the connection as the caller reads: the object is never held in memory.
            // It knows its length and can seek (with a ranged GET), so HEAD and Range requests work as on the disk.
            var response = await _s3.GetObjectAsync(_options.Bucket, ObjectKey(key), ct);
            return new S3ObjectStream(_s3, _options.Bucket, ObjectKey(key), response);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct)
    {
        StorageKeys.Validate(key);
        try
        {
            await _s3.GetObjectMetadataAsync(_options.Bucket, ObjectKey(key), ct);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        StorageKeys.Validate(key);
        await _s3.DeleteObjectAsync(_options.Bucket, ObjectKey(key), ct);
    }

    public async IAsyncEnumerable<StoredFile> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        if (prefix.Length > 0) StorageKeys.Validate(prefix.TrimEnd('/'));
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = ObjectKey(prefix) };
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, ct);
            foreach (var o in page.S3Objects ?? [])
                yield return new StoredFile(o.Key[_prefix.Length..], (o.LastModified ?? DateTime.UnixEpoch).ToUniversalTime(), o.Size ?? 0);
            if (page.IsTruncated != true) yield break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public async Task<bool> IsWritableAsync(CancellationToken ct)
    {
        var probe = ObjectKey($"health/probe-{Guid.NewGuid():N}");
        try
        {
            await _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.Bucket, Key = probe, ContentBody = "ok", UseChunkEncoding = false,
            }, ct);
            await _s3.DeleteObjectAsync(_options.Bucket, probe, ct);
            return true;
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException)
        {
            return false;
        }
    }

    private string ObjectKey(string key) => _prefix + key;

    public void Dispose() => _s3.Dispose();
}

/// <summary>
/// A stored object as a seekable stream of known length: it reads the GET it was opened with, and after a seek to
/// another position asks for the rest of the object from there (a ranged GET), so that a Range request reads only
/// the bytes it asked for.
/// </summary>
internal sealed class S3ObjectStream(IAmazonS3 s3, string bucket, string objectKey, GetObjectResponse first) : Stream
{
    private GetObjectResponse? _response = first;
    private long _responseAt; // where in the object the open response's next byte is
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length { get; } = first.ContentLength;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => Length + offset,
    };

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= Length || buffer.Length == 0) return 0;
        if (_response is null || _responseAt != _position)
        {
            _response?.Dispose();
            _response = null;
            _response = await s3.GetObjectAsync(new GetObjectRequest
            {
                BucketName = bucket, Key = objectKey, ByteRange = new ByteRange(_position, Length - 1),
            }, cancellationToken);
            _responseAt = _position;
        }
        var n = await _response.ResponseStream.ReadAsync(buffer, cancellationToken);
        _responseAt += n;
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _response?.Dispose();
        _response = null;
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
