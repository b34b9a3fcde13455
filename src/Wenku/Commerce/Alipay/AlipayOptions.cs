using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;

namespace Wenku.Commerce.Alipay;

/// <summary>
/// Alipay's open API (recharging points through 电脑网站支付 and 手机网站支付), bound from <c>Wenku:Alipay</c>.
/// Keys are checked at start when <see cref="Enabled"/>.
/// </summary>
public sealed class AlipayOptions : IValidatableObject
{
    public const string Section = "Wenku:Alipay";

    /// <summary>The production gateway.</summary>
    public const string ProductionGateway = "https://openapi.alipay.com/gateway.do";

    /// <summary>The sandbox gateway (沙箱环境), with the sandbox app's id and keys.</summary>
    public const string SandboxGateway = "https://openapi-sandbox.dl.alipaydev.com/gateway.do";

    /// <summary>Offer recharging through Alipay.</summary>
    public bool Enabled { get; set; }

    /// <summary>Alipay's gateway: production by default; <see cref="SandboxGateway"/> for the sandbox.</summary>
    [Required]
    public string GatewayUrl { get; set; } = ProductionGateway;

    /// <summary>The application's APPID in Alipay's open platform console.</summary>
    public string? AppId { get; set; }

    /// <summary>The application's RSA private key (RSA2, 2048 bits): PEM text (PKCS#1 or PKCS#8) or the bare base64 the key tool prints.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>Instead of <see cref="PrivateKey"/>: a file holding it.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>Alipay's public key (支付宝公钥, not the application's): PEM or the bare base64 the console shows.</summary>
    public string? AlipayPublicKey { get; set; }

    /// <summary>Instead of <see cref="AlipayPublicKey"/>: a file holding it.</summary>
    public string? AlipayPublicKeyFile { get; set; }

    /// <summary>The merchant's Alipay user id (2088…): when set, notifications for another seller are refused.</summary>
    public string? SellerId { get; set; }

    /// <summary>Minutes a buyer has to pay before Alipay closes the trade (<c>time_expire</c>).</summary>
    [Range(1, 15 * 24 * 60)]
    public int OrderTimeoutMinutes { get; set; } = 30;

    /// <summary>Time limit of one call to the gateway, in seconds.</summary>
    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 15;

    /// <summary>Minutes an order stays unpaid before the reconciliation job asks <c>alipay.trade.query</c> about it.</summary>
    [Range(1, 24 * 60)]
    public int ReconcileAfterMinutes { get; set; } = 5;

    /// <summary>Seconds between two rounds of the reconciliation job (in <c>serve</c>).</summary>
    [Range(5, 24 * 60 * 60)]
    public int ReconcileEverySeconds { get; set; } = 60;

    /// <summary>Recharge orders one user may create per hour (counted in the database, so across every serve).</summary>
    [Range(1, 10_000)]
    public int OrdersPerHour { get; set; } = 20;

    /// <summary>
    /// The site's public address (e.g. <c>https://wenku.example</c>), from which <c>notify_url</c> and <c>return_url</c>
    /// are made; empty: the address the buyer's request came to. Alipay must be able to reach the notify URL from the
    /// internet.
    /// </summary>
    public string? PublicUrl { get; set; }

    private byte[]? privateKeyPkcs8;
    private byte[]? alipayPublicKeyInfo;

    /// <summary>The application's private key, for signing requests (the caller disposes it).</summary>
    public RSA CreatePrivateKey()
    {
        privateKeyPkcs8 ??= ReadPrivateKey(KeyText(PrivateKey, PrivateKeyFile, "PrivateKey"));
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(privateKeyPkcs8, out _);
        return rsa;
    }

    /// <summary>Alipay's public key, for verifying responses, notifications and returns (the caller disposes it).</summary>
    public RSA CreateAlipayPublicKey()
    {
        alipayPublicKeyInfo ??= ReadPublicKey(KeyText(AlipayPublicKey, AlipayPublicKeyFile, "AlipayPublicKey"));
        var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(alipayPublicKeyInfo, out _);
        return rsa;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled) yield break;
        if (string.IsNullOrWhiteSpace(AppId))
            yield return new ValidationResult("Wenku:Alipay:AppId is required when Alipay is enabled.", [nameof(AppId)]);
        if (!Uri.TryCreate(GatewayUrl, UriKind.Absolute, out var gateway)
            || !(gateway.Scheme == Uri.UriSchemeHttps || (gateway.Scheme == Uri.UriSchemeHttp && gateway.IsLoopback)))
            yield return new ValidationResult(
                $"Wenku:Alipay:GatewayUrl '{GatewayUrl}' must be an absolute https address (http only for this machine).", [nameof(GatewayUrl)]);
        if (!string.IsNullOrWhiteSpace(PublicUrl)
            && !(Uri.TryCreate(PublicUrl, UriKind.Absolute, out var site) && (site.Scheme == Uri.UriSchemeHttps || site.Scheme == Uri.UriSchemeHttp)))
            yield return new ValidationResult($"Wenku:Alipay:PublicUrl '{PublicUrl}' must be an absolute http(s) address.", [nameof(PublicUrl)]);
        foreach (var problem in KeyProblems()) yield return problem;
    }

    private IEnumerable<ValidationResult> KeyProblems()
    {
        string? privateProblem = null, publicProblem = null;
        try { using var _ = CreatePrivateKey(); }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException or FormatException)
        { privateProblem = e.Message; }
        try { using var _ = CreateAlipayPublicKey(); }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException or FormatException)
        { publicProblem = e.Message; }
        if (privateProblem is not null)
            yield return new ValidationResult($"Wenku:Alipay:PrivateKey is not a usable RSA private key: {privateProblem}", [nameof(PrivateKey)]);
        if (publicProblem is not null)
            yield return new ValidationResult($"Wenku:Alipay:AlipayPublicKey is not a usable RSA public key: {publicProblem}", [nameof(AlipayPublicKey)]);
    }

    private static string KeyText(string? text, string? file, string name)
    {
        if (!string.IsNullOrWhiteSpace(text) && !string.IsNullOrWhiteSpace(file))
            throw new ArgumentException($"give either {name} or {name}File, not both.");
        if (!string.IsNullOrWhiteSpace(file)) return File.ReadAllText(file);
        if (!string.IsNullOrWhiteSpace(text)) return text;
        throw new ArgumentException($"{name} or {name}File is required.");
    }

    /// <summary>PKCS#8 of a PEM (PKCS#1 <c>RSA PRIVATE KEY</c> or PKCS#8 <c>PRIVATE KEY</c>) or of bare base64 in either form.</summary>
    private static byte[] ReadPrivateKey(string text)
    {
        using var rsa = RSA.Create();
        if (text.Contains("-----BEGIN", StringComparison.Ordinal)) rsa.ImportFromPem(text);
        else
        {
            var der = Convert.FromBase64String(text.Trim());
            try { rsa.ImportPkcs8PrivateKey(der, out _); }
            catch (CryptographicException) { rsa.ImportRSAPrivateKey(der, out _); }
        }
        return rsa.ExportPkcs8PrivateKey();
    }

    /// <summary>SubjectPublicKeyInfo of a PEM (<c>PUBLIC KEY</c> or <c>RSA PUBLIC KEY</c>) or of the console's bare base64.</summary>
    private static byte[] ReadPublicKey(string text)
    {
        using var rsa = RSA.Create();
        if (text.Contains("-----BEGIN", StringComparison.Ordinal)) rsa.ImportFromPem(text);
        else rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(text.Trim()), out _);
        return rsa.ExportSubjectPublicKeyInfo();
    }
}
