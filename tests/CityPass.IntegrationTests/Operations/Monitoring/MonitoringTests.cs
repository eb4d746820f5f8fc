using System.Text;
using CityPass.IntegrationTests.Finance;
using RabbitMQ.Client;

namespace CityPass.IntegrationTests.Operations.Monitoring;

/// <summary>
/// The gauges read by the pollers (every second in the tests): queue depths and consumers from RabbitMQ, the finance
/// projection's lag from the event store, the readiness of each dependency.
/// </summary>
[Collection(CityPassCollection.Name)]
public class MonitoringTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    [Fact]
    public async Task Messages_put_in_a_queue_move_its_depth_gauge_and_a_queue_that_does_not_exist_reads_zero()
    {
        var skipped = host.HeartbeatQueue + "_skipped"; // no other test sends there
        await Scraped("the tap queue's consumer", m => Prometheus.Value(m, "citypass_queue_consumers", ("queue", host.TapQueue)) >= 1);
        await Scraped("an absent queue at 0", m => Prometheus.Value(m, "citypass_queue_messages", ("queue", skipped)) == 0);

        await using var rabbit = await host.Broker.ConnectAsync();
        await using var channel = await rabbit.CreateChannelAsync();
        await channel.QueueDeclareAsync(skipped, durable: true, exclusive: false, autoDelete: false);
        for (var i = 0; i < 3; i++)
            await channel.BasicPublishAsync("", skipped, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"));
        await Scraped("three messages", m => Prometheus.Value(m, "citypass_queue_messages", ("queue", skipped)) == 3);

        await channel.QueuePurgeAsync(skipped);
        await Scraped("the queue empty again", m => Prometheus.Value(m, "citypass_queue_messages", ("queue", skipped)) == 0);
        await channel.QueueDeleteAsync(skipped);
    }

    [Fact]
    public async Task The_finance_projections_lag_is_a_number_of_events_that_returns_to_zero_once_it_has_caught_up()
    {
        await _http.CardWithBalance(20_00); // events the ledger posts
        var metrics = await Scraped("a lag for the ledger", m => Prometheus.Value(m, "citypass_projection_lag_events", ("schema", host.Schema), ("projection", "LedgerProjection")) >= 0);
        Assert.True(Prometheus.Value(metrics, "citypass_projection_lag_events", ("schema", host.Schema), ("projection", "LedgerProjection")) >= 0);

        await host.LedgerCaughtUp();
        await Scraped("no lag", m => Prometheus.Value(m, "citypass_projection_lag_events", ("schema", host.Schema), ("projection", "LedgerProjection")) == 0);
    }

    [Fact]
    public async Task Each_dependency_of_the_readiness_check_is_a_gauge()
    {
        await Scraped("PostgreSQL up", m => Prometheus.Value(m, "citypass_dependency_up", ("dependency", "postgresql")) == 1);
        await Scraped("the bus up", m => Prometheus.Value(m, "citypass_dependency_up", ("dependency", "masstransit-bus")) == 1);
    }

    /// <summary>Scrapes until the condition holds (the pollers read every second); returns the last scrape.</summary>
    private Task<string> Scraped(string what, Func<string, bool> holds) =>
        Eventually.ReadAsync(() => Prometheus.ScrapeAsync(_http), holds, what, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
}
