using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;

namespace CityPass.IntegrationTests.Security;

/// <summary>A host with the production rate limits (the shared test host raises them).</summary>
public sealed class RateLimitedHost : CityPassHost
{
    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        builder.UseSetting("RateLimits:AccountPerMinute", "10");
        builder.UseSetting("RateLimits:AnonymousWritesPerMinute", "300");
    }
}

public class RateLimitTests(RateLimitedHost host) : IClassFixture<RateLimitedHost>
{
    [Fact]
    public async Task The_eleventh_rapid_sign_in_from_one_client_gets_429_with_Retry_After()
    {
        // The fixture's start signed the administrator in once: nine more pass the limiter, the next one is refused.
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
            answers.Add(await host.Anonymous().PostAsJsonAsync("/account/login", new { email = "nobody@example.test", password = "Not-The-Password-1" }));

        Assert.All(answers.Take(9), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        var refused = answers[9];
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await host.Anonymous().PostAsJsonAsync("/account/register", new { email = "x@example.test", password = "Long-Enough-Pass-1" })).StatusCode);
    }
}
