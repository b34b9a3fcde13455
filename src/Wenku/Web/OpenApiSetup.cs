using Microsoft.OpenApi;
using Wenku.Accounts;

namespace Wenku.Web;

public static class OpenApiSetup
{
    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c>: the API's routes and the bearer token scheme.</summary>
    public static IServiceCollection AddWenkuOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Wenku API";
            doc.Info.Description = "Upload, convert, preview and search documents. Authenticate with `Authorization: Bearer <token>` from `wenku admin create-token`.";
            doc.Components ??= new OpenApiComponents();
            doc.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [Authentication.Bearer] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "Personal API token" },
            };
            doc.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Authentication.Bearer, doc)] = [] }];
            return Task.CompletedTask;
        }));
}
