using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wenku.Commerce.Alipay;

/// <summary>
/// Alipay's RSA2 rule: the parameters without <c>sign</c> (and, when verifying what Alipay sent, without
/// <c>sign_type</c>) and without empty values, sorted by key in ordinal order, joined as <c>k=v</c> with <c>&amp;</c>
/// using the raw values (not URL-encoded); SHA256withRSA (PKCS#1 v1.5) over its UTF-8 bytes, in base64.
/// </summary>
public static class AlipaySignature
{
    /// <summary>The text that is signed. <paramref name="forVerification"/> also leaves out <c>sign_type</c> (notifications, returns).</summary>
    public static string SigningString(IEnumerable<KeyValuePair<string, string?>> parameters, bool forVerification = false) =>
        string.Join('&', parameters
            .Where(p => !string.IsNullOrEmpty(p.Value) && p.Key != "sign" && !(forVerification && p.Key == "sign_type"))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));

    /// <summary>The <c>sign</c> of a request's parameters.</summary>
    public static string Sign(IEnumerable<KeyValuePair<string, string?>> parameters, RSA privateKey) =>
        SignContent(SigningString(parameters), privateKey);

    public static string SignContent(string content, RSA privateKey) =>
        Convert.ToBase64String(privateKey.SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>Whether parameters Alipay sent (a notification, a return) carry a valid <c>sign</c>.</summary>
    public static bool Verify(IEnumerable<KeyValuePair<string, string?>> parameters, RSA alipayPublicKey)
    {
        var list = parameters.ToList();
        var sign = list.FirstOrDefault(p => p.Key == "sign").Value;
        return VerifyContent(SigningString(list, forVerification: true), sign, alipayPublicKey);
    }

    public static bool VerifyContent(string content, string? sign, RSA publicKey)
    {
        if (string.IsNullOrEmpty(sign)) return false;
        var signature = new byte[sign.Length];
        if (!Convert.TryFromBase64String(sign, signature, out var length)) return false;
        try
        {
            return publicKey.VerifyData(Encoding.UTF8.GetBytes(content), signature.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Name of the member holding a method's answer: <c>alipay.trade.query</c> → <c>alipay_trade_query_response</c>.</summary>
    public static string ResponseKey(string method) => method.Replace('.', '_') + "_response";

    /// <summary>
    /// The exact text of the top-level <paramref name="key"/> object and the top-level <c>sign</c> in a response body,
    /// cut out of the body as it came (Alipay signs those characters; re-serialising would change them).
    /// False if the body is not JSON, the member is absent, not an object, or present twice.
    /// </summary>
    public static bool TryExtract(string body, string key, [NotNullWhen(true)] out string? json, out string? sign)
    {
        json = null;
        sign = null;
        var bytes = Encoding.UTF8.GetBytes(body);
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == key)
                {
                    if (json is not null || reader.TokenType != JsonTokenType.StartObject) return false;
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    json = Encoding.UTF8.GetString(bytes, start, (int)reader.BytesConsumed - start);
                }
                else if (name == "sign" && reader.TokenType == JsonTokenType.String) sign = reader.GetString();
                else reader.Skip();
            }
            return json is not null;
        }
        catch (JsonException)
        {
            json = null;
            return false;
        }
    }

    /// <summary>
    /// The answer to <paramref name="method"/> in a response body, if its <c>sign</c> verifies over the answer's exact
    /// text with Alipay's public key; otherwise false, and the body is not to be trusted.
    /// </summary>
    public static bool TryVerifyResponse(string body, string method, RSA alipayPublicKey, [NotNullWhen(true)] out string? responseJson)
    {
        responseJson = null;
        if (!TryExtract(body, ResponseKey(method), out var json, out var sign) || !VerifyContent(json, sign, alipayPublicKey)) return false;
        responseJson = json;
        return true;
    }
}
