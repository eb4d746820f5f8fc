using System.Diagnostics;
using System.Net;

namespace CityPass.IntegrationTests.Operations.Restarts;

/// <summary>The real host, on the private servers below instead of the shared ones.</summary>
/// <summary>A host of its own on the restart tests' private PostgreSQL and RabbitMQ.</summary>
public sealed class RestartHost(string postgres, string rabbitMq) : CityPassHost(null, new TestBroker(rabbitMq, [], false), postgres);

/// <summary>
/// A PostgreSQL and a RabbitMQ of these tests' own, which they stop, kill and restart, and a host on them. Started
/// together (about 10 s), stopped and removed at the end whatever happened, even when a start failed half-way.
/// </summary>
public sealed class PrivateServersFixture : IAsyncLifetime
{
    public PrivatePostgres Postgres { get; private set; } = null!;
    public PrivateRabbitMq RabbitMq { get; private set; } = null!;
    public RestartHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var postgres = PrivatePostgres.StartAsync(run);
        var rabbit = PrivateRabbitMq.StartAsync(run);
        try
        {
            await Task.WhenAll(postgres, rabbit);
        }
        catch
        {
            // One may have started: stop it before failing with the other's reason.
            if (postgres.IsCompletedSuccessfully)
                await postgres.Result.DisposeAsync();
            if (rabbit.IsCompletedSuccessfully)
                await rabbit.Result.DisposeAsync();
            throw;
        }
        Postgres = postgres.Result;
        RabbitMq = rabbit.Result;
        try
        {
            Host = new RestartHost(Postgres.ConnectionString, RabbitMq.Uri);
            await Host.InitializeAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        var errors = new List<Exception>();
        async Task Try(Func<Task> step)
        {
            try
            {
                await step();
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }
        if (Host is not null)
            await Try(() => Host.DisposeAsync());
        if (RabbitMq is not null)
            await Try(() => RabbitMq.DisposeAsync().AsTask());
        if (Postgres is not null)
            await Try(() => Postgres.DisposeAsync().AsTask());
        if (errors.Count > 0)
            throw new AggregateException("Stopping the private servers failed", errors);
    }

    /// <summary>Both servers up, whatever a test that failed half-way left behind.</summary>
    public async Task BothRunningAsync()
    {
        if (!RabbitMq.Running)
            await RabbitMq.StartAgainAsync();
        if (!Postgres.Running)
            await Postgres.StartAgainAsync();
    }

    /// <summary>Polls <c>/health/ready</c> until it answers <paramref name="expected"/>; fails with the last answer otherwise.</summary>
    public async Task<TimeSpan> ReadyBecomes(HttpStatusCode expected, TimeSpan within)
    {
        var http = Host.Anonymous();
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < within)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var response = await http.GetAsync("/health/ready", timeout.Token);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(timeout.Token)}";
                if (response.StatusCode == expected)
                    return clock.Elapsed;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                last = e.Message;
            }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"/health/ready did not become {(int)expected} within {within.TotalSeconds} s; last answer: {last}");
    }
}
