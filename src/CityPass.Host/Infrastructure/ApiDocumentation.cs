using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// What the OpenAPI document says beyond the endpoints' own metadata: the bearer scheme (Swagger UI's Authorize
/// button), the client errors each operation can return, and an example for every request body.
/// </summary>
public static class ApiDocumentation
{
    public const string Bearer = "bearer";

    /// <summary>A terminal's signed HTTP call (docs/terminal-protocol.md, "HTTP calls"), the alternative to a bearer token where allowed.</summary>
    public const string Terminal = "terminal";

    public static OpenApiOptions AddCityPassConventions(this OpenApiOptions options) =>
        options.AddOperationTransformer(ClientErrors).AddDocumentTransformer(SecurityAndExamples);

    /// <summary>
    /// The 4xx an operation can return, from what it takes and needs: 400 when it reads input (its parameters or body are
    /// checked; a POST or PUT always reads something), 401 and 403 when it needs a signed-in user (and a role or policy), 404 when its path names something.
    /// Statuses an endpoint declares itself (409, 422…) are kept. An anonymous GET without parameters has none
    /// (it is marked with an empty security requirement).
    /// </summary>
    private static Task ClientErrors(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        operation.Responses ??= new OpenApiResponses();
        void Add(string status, string text)
        {
            if (operation.Responses.ContainsKey(status))
                return;
            operation.Responses[status] = new OpenApiResponse
            {
                Description = text,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object } } },
            };
        }
        // A POST or PUT reads its body even when the endpoint takes the raw request (a webhook's signed payload).
        if (description.ParameterDescriptions.Count > 0 || operation.RequestBody is not null || description.HttpMethod is "POST" or "PUT" or "PATCH")
            Add("400", "The request is invalid: a problem whose detail says which value and why.");
        var terminals = authorize.Any(a => a.Policy == Terminals.TerminalAuthentication.Policy);
        if (authorize.Count > 0 && !anonymous)
        {
            Add("401", terminals
                ? "Neither an enrolled terminal's valid signature (CityPass-Terminal, CityPass-Time, CityPass-Signature) nor an administrator's bearer token."
                : "No valid bearer token (sign in with POST /account/login).");
            if (authorize.Any(a => a.Policy is not null || a.Roles is not null))
                Add("403", "Signed in, without the role this needs.");
        }
        if (description.ParameterDescriptions.Any(p => p.Source.Id == "Path"))
            Add("404", "Nothing has the id the path names.");
        if (anonymous || authorize.Count == 0)
            operation.Security = [];
        else if (terminals && context.Document is { } document)
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Terminal, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] },
            ];
        return Task.CompletedTask;
    }

    private static Task SecurityAndExamples(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "The access token from POST /account/login.",
        };
        document.Components.SecuritySchemes[Terminal] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = Terminals.TerminalAuthentication.SignatureHeader,
            Description = "An enrolled terminal's call: headers CityPass-Terminal (its id), CityPass-Time (Unix milliseconds, within 120 s of "
                + "CityPass's clock) and CityPass-Signature, HMAC-SHA256 with the terminal's key over the canonical form of (\"HttpRequest\", method, "
                + "path and query, terminal id, time, SHA-256 of the body in lower-case hex): docs/terminal-protocol.md, \"HTTP calls\".",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] });

        foreach (var operation in (document.Paths ?? new OpenApiPaths()).Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            foreach (var (mediaType, content) in operation.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>())
            {
                if (content.Example is not null || content.Examples is { Count: > 0 })
                    continue;
                content.Example = mediaType.Contains("csv", StringComparison.Ordinal)
                    ? JsonValue.Create("balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,payment_intent_id\ntxn_1,2026-11-25 17:00:05,eur,20.00,0.55,19.45,charge,pi_1\n")
                    : Example(document, content.Schema, null, 0) ?? new JsonObject();
            }
        }
        return Task.CompletedTask;
    }

    private static IOpenApiSchema? Resolve(OpenApiDocument document, IOpenApiSchema? schema) =>
        schema is OpenApiSchemaReference reference && reference.Reference.Id is { } id
            && document.Components?.Schemas?.TryGetValue(id, out var target) == true ? target : schema;

    /// <summary>A plausible value for a schema, named properties given values of their kind (cents, ids, dates…).</summary>
    private static JsonNode? Example(OpenApiDocument document, IOpenApiSchema? schema, string? name, int depth)
    {
        schema = Resolve(document, schema);
        if (schema is null || depth > 6)
            return null;
        if (schema.Examples is { Count: > 0 } examples)
            return examples[0]?.DeepClone();
        if (schema.Enum is { Count: > 0 } values)
            return values[0]?.DeepClone();
        if ((schema.OneOf ?? schema.AnyOf)?.Select(s => Resolve(document, s)).FirstOrDefault(s => s?.Type != JsonSchemaType.Null) is { } choice)
            return Example(document, choice, name, depth + 1);
        var type = (schema.Type ?? 0) & ~JsonSchemaType.Null;
        if (schema.Properties is { Count: > 0 } properties || type.HasFlag(JsonSchemaType.Object))
        {
            var result = new JsonObject();
            foreach (var (property, value) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
                result[property] = Example(document, value, property, depth + 1);
            return result;
        }
        if (type.HasFlag(JsonSchemaType.Array))
            return new JsonArray(Example(document, schema.Items, name, depth + 1));
        var lower = name?.ToLowerInvariant() ?? "";
        if (type.HasFlag(JsonSchemaType.Integer))
            return lower.EndsWith("cents", StringComparison.Ordinal) ? 20_00 : 1;
        if (type.HasFlag(JsonSchemaType.Number))
            return 1.5;
        if (type.HasFlag(JsonSchemaType.Boolean))
            return true;
        return schema.Format switch
        {
            "date" => "2026-11-25",
            "date-time" => "2026-11-25T17:00:00Z",
            "uuid" => "0193a1c2-7e4b-7c1d-9a2e-5f6b7c8d9e0f",
            "time" => "04:00:00",
            _ when lower.Contains("email", StringComparison.Ordinal) => "holder@example.org",
            _ when lower.Contains("password", StringComparison.Ordinal) => "Correct-Horse-2026",
            _ when lower == "uid" => "04A1B2C3D4E5F6",
            _ when lower.Contains("currency", StringComparison.Ordinal) => "eur",
            _ when lower.EndsWith("id", StringComparison.Ordinal) => "city",
            _ when lower.Contains("note", StringComparison.Ordinal) => "Checked with the operator; refunded in Stripe.",
            _ => "text",
        };
    }
}
