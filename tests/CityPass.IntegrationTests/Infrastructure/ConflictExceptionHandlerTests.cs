using System.Text.Json;
using CityPass.Host.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Infrastructure;

/// <summary>A write that lost its race on every attempt answers 503 problem+json with Retry-After, never a 500.</summary>
[Collection(CityPassCollection.Name)]
public class ConflictExceptionHandlerTests(CityPassHost host)
{
    private async Task<(bool Handled, HttpContext Http, string Body)> Handle(Exception exception)
    {
        var handler = host.Services.GetServices<IExceptionHandler>().OfType<ConflictExceptionHandler>().Single();
        await using var scope = host.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = "POST";
        http.Request.Path = "/cards/00000000-0000-0000-0000-000000000001/block";
        using var body = new MemoryStream();
        http.Response.Body = body;
        var handled = await handler.TryHandleAsync(http, exception, CancellationToken.None);
        return (handled, http, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task A_stream_version_lost_on_every_attempt_is_a_503_asking_to_send_the_request_again()
    {
        // The exception the city's build met (Marten's stream version check, a JasperFx ConcurrencyException).
        var (handled, http, body) = await Handle(new JasperFx.Events.EventStreamUnexpectedMaxEventIdException(Guid.NewGuid(), typeof(object), 8, -1));

        Assert.True(handled);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, http.Response.StatusCode);
        Assert.Equal("1", http.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", http.Response.ContentType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal("Busy: try again", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("nothing was written", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Any_other_failure_is_left_to_the_default_handling()
    {
        var (handled, http, _) = await Handle(new InvalidOperationException("a bug"));

        Assert.False(handled);
        Assert.Equal(StatusCodes.Status200OK, http.Response.StatusCode);
    }
}
