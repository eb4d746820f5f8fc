using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CityPass.IntegrationTests.Security;

/// <summary>A host hardened as in Production (the default outside Development and Testing), on the test servers.</summary>
public sealed class HardenedHost : CityPassHost
{
    // HTTPS, as a deployment is reached (a redirect from HTTP would drop the tokens of the fixture's clients).
    public HardenedHost() => ClientOptions.BaseAddress = new Uri("https://localhost");

    protected override void ConfigureMore(IWebHostBuilder builder) => builder.UseSetting("Http:Hardened", "true");

    public HttpClient Client(string baseAddress, bool administrator)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress), AllowAutoRedirect = false });
        if (!administrator)
            client.DefaultRequestHeaders.Authorization = null;
        return client;
    }
}

public class HardenedHttpTests(HardenedHost host) : IClassFixture<HardenedHost>
{
    private const string Public = "https://citypass.example";

    [Fact]
    public async Task The_API_description_Swagger_UI_and_metrics_are_not_anonymous()
    {
        var anonymous = host.Client(Public, administrator: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/swagger/index.html")).StatusCode);
        var root = await anonymous.GetAsync("/");
        Assert.Equal((HttpStatusCode.Redirect, "/portal"), (root.StatusCode, root.Headers.Location?.OriginalString));

        var administrator = host.Client(Public, administrator: true);
        Assert.Equal(HttpStatusCode.OK, (await administrator.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await administrator.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task HTTPS_is_required_and_remembered_but_probes_stay_on_HTTP()
    {
        var secure = await host.Client(Public, administrator: false).GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.Contains("max-age=", string.Join(",", secure.Headers.GetValues("Strict-Transport-Security")));

        var plain = await host.Client("http://citypass.example", administrator: false).GetAsync("/scheme");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, plain.StatusCode);
        Assert.Equal("https", plain.Headers.Location!.Scheme);
        Assert.Equal(HttpStatusCode.OK, (await host.Client("http://citypass.example", administrator: false).GetAsync("/health/live")).StatusCode);
    }
}
