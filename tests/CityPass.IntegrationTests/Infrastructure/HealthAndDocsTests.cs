using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CityPass.IntegrationTests.Infrastructure;

[Collection(CityPassCollection.Name)]
public class HealthAndDocsTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    [Fact]
    public async Task Live_answers_without_asking_the_dependencies()
    {
        var response = await _http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_checks_PostgreSQL_and_RabbitMQ()
    {
        var response = await _http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var checks = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("postgresql").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("masstransit-bus").GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_card_endpoints()
    {
        var document = await _http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/cards", "/cards/{id}", "/cards/{id}/history", "/cards/{id}/loads", "/cards/by-uid/{uid}" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/swagger/index.html")).StatusCode);
    }

    [Fact]
    public async Task Every_operation_documents_its_client_errors_and_every_body_has_an_example_and_the_bearer_scheme_is_declared()
    {
        var document = await _http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal(("http", "bearer"), (bearer.GetProperty("type").GetString(), bearer.GetProperty("scheme").GetString()));

        var missingExamples = new List<string>();
        var missingErrors = new List<string>();
        var operations = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete" or "patch"))
            {
                operations++;
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                if (operation.Value.TryGetProperty("requestBody", out var body))
                    foreach (var media in body.GetProperty("content").EnumerateObject())
                        if (!(media.Value.TryGetProperty("example", out var example) && example.ValueKind != JsonValueKind.Null) && !media.Value.TryGetProperty("examples", out _))
                            missingExamples.Add($"{name} ({media.Name})");
                // An anonymous GET that takes nothing (a public list) has no client error to document.
                var takesNothing = operation.Name == "get" && !operation.Value.TryGetProperty("parameters", out _)
                    && operation.Value.TryGetProperty("security", out var security) && security.GetArrayLength() == 0;
                if (!takesNothing && !operation.Value.GetProperty("responses").EnumerateObject().Any(r => r.Name.StartsWith('4')))
                    missingErrors.Add(name);
            }
        Assert.True(operations > 50, $"only {operations} operations");
        Assert.True(missingExamples.Count == 0, "no request example: " + string.Join(", ", missingExamples));
        Assert.True(missingErrors.Count == 0, "no 4xx documented: " + string.Join(", ", missingErrors));
    }

    [Fact]
    public async Task Terminal_calls_declare_the_terminal_signature_or_a_bearer_token()
    {
        var document = await _http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var terminal = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("terminal");
        Assert.Equal(("apiKey", "header", "CityPass-Signature"),
            (terminal.GetProperty("type").GetString(), terminal.GetProperty("in").GetString(), terminal.GetProperty("name").GetString()));
        foreach (var (path, method) in new[] { ("/deny-list", "get"), ("/terminals/{id}/offline-taps", "post") })
        {
            var security = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("security");
            var schemes = security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList();
            Assert.Equal(["terminal", "bearer"], schemes);
        }
    }
}
