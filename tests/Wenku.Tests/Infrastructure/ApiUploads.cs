using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wenku.Tests.Infrastructure;

/// <summary>Uploads through the real API, for any client (a test host's or a real process's).</summary>
public static class ApiUploads
{
    /// <summary>POSTs to <c>/api/v1/documents</c>, requires 202 (the body is the failure message), returns the new id.</summary>
    public static async Task<long> UploadAsync(this HttpClient api, MultipartFormDataContent content)
    {
        var response = await api.PostAsync("/api/v1/documents", content);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }
}
