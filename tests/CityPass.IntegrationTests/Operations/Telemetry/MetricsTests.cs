using CityPass.Contracts.Terminals;

namespace CityPass.IntegrationTests.Operations.Telemetry;

/// <summary>The Prometheus endpoint counts taps by venue, outcome and reason, and carries MassTransit's and ASP.NET Core's meters.</summary>
[Collection(CityPassCollection.Name)]
public class MetricsTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    [Fact]
    public async Task A_scrape_after_taps_finds_them_counted_by_venue_outcome_and_reason()
    {
        var authorizedBefore = Value(await Scrape(), "citypass_taps_total", ("venue", TestCity.Library), ("outcome", "authorized"), ("reason", ""));
        var declinedBefore = Value(await Scrape(), "citypass_taps_total", ("venue", TestCity.Museum), ("outcome", "declined"), ("reason", "InsufficientFunds"));
        var rich = await _http.CardWithBalance(5_00);
        var poor = await _http.CardWithBalance(10);
        var terminal = $"metrics-{Guid.NewGuid():N}"[..20];
        var museum = $"metrics-m-{Guid.NewGuid():N}"[..20];

        Assert.IsType<TapAuthorized>(await host.Decide(await host.Terminals.Tap(terminal, 1, rich.Uid, TestCity.Library, host.Clock.GetCurrentInstant())));
        var no = Assert.IsType<TapDeclined>(await host.Decide(await host.Terminals.Tap(museum, 1, poor.Uid, TestCity.Museum, host.Clock.GetCurrentInstant())));
        Assert.Equal(TapDeclineReason.InsufficientFunds, no.Reason);

        var metrics = await Scrape();
        // At least: the meter is one per process, and hosts of other test collections may tap at the same time.
        Assert.True(Value(metrics, "citypass_taps_total", ("venue", TestCity.Library), ("outcome", "authorized"), ("reason", "")) >= authorizedBefore + 1);
        Assert.True(Value(metrics, "citypass_taps_total", ("venue", TestCity.Museum), ("outcome", "declined"), ("reason", "InsufficientFunds")) >= declinedBefore + 1);
        Assert.Contains("citypass_tap_decision_duration_seconds_bucket{", metrics);
        // ASP.NET Core's and MassTransit's meters (http_server_request_duration_seconds,
        // messaging_masstransit_consume_duration_milliseconds) are not asserted here: when another host of this test
        // process (the portal's, the second of the two-hosts test) is disposed, OpenTelemetry ends the streams of every
        // meter of those names, so whether they show depends on the order tests run in. One host per process in
        // production, where they are scraped (checked by hand on a single host).
        Assert.DoesNotContain(rich.Uid, metrics);
    }

    private Task<string> Scrape() => Prometheus.ScrapeAsync(_http);

    private static double Value(string metrics, string name, params (string Key, string Value)[] labels) => Prometheus.Value(metrics, name, labels) ?? 0;
}
