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
}
