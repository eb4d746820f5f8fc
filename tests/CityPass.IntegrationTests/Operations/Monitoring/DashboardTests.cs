using System.Text.Json;
using System.Text.RegularExpressions;
using CityPass.Contracts.Terminals;
using CityPass.IntegrationTests.Payments;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CityPass.IntegrationTests.Operations.Monitoring;

/// <summary>
/// The Grafana dashboard and the Prometheus alerts are files of the repository (ops/): every metric their PromQL uses must
/// be one the host exposes, so that renaming a metric breaks this test instead of a panel. And every alert is documented.
/// </summary>
[Collection(CityPassCollection.Name)]
public partial class DashboardTests(CityPassHost host, ITestOutputHelper output)
{
    /// <summary>Made by Prometheus itself for each scrape target, not by the host.</summary>
    private static readonly string[] PrometheusOwn = ["up"];

    [Fact]
    public async Task Every_metric_of_the_dashboard_and_of_the_alerts_is_exposed_by_the_host_after_some_traffic()
    {
        await Traffic();
        var exposed = await ExposedAfterPolling();

        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Repository("ops/grafana/dashboards/citypass.json")));
        var expressions = Expressions(dashboard.RootElement).ToList();
        Assert.True(expressions.Count >= 10, $"Only {expressions.Count} PromQL expressions found in the dashboard.");
        var alerts = AlertExpressions(await File.ReadAllTextAsync(Repository("ops/prometheus/alerts.yml"))).ToList();
        Assert.NotEmpty(alerts);

        var missing = expressions.Concat(alerts)
            .SelectMany(e => MetricNames(e).Select(name => (name, e)))
            .Where(m => !exposed.Contains(m.name) && !PrometheusOwn.Contains(m.name))
            .Select(m => $"{m.name} (in {m.e})")
            .Distinct().ToList();
        if (missing.Count > 0)
            output.WriteLine("Exposed: " + string.Join(", ", exposed.Order()));
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Every_alert_is_explained_in_the_operations_guide()
    {
        var rules = await File.ReadAllTextAsync(Repository("ops/prometheus/alerts.yml"));
        var guide = await File.ReadAllTextAsync(Repository("docs/operations.md"));
        var names = AlertName().Matches(rules).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.Contains($"`{name}`", guide));
    }

    [Fact]
    public void The_metric_names_of_an_expression_are_found_and_functions_labels_and_keywords_are_not()
    {
        Assert.Equal(["citypass_tap_decision_duration_seconds_bucket"],
            MetricNames("histogram_quantile(0.99, sum by (le) (rate(citypass_tap_decision_duration_seconds_bucket{outcome=\"declined\"}[$__rate_interval]))) > 1"));
        Assert.Equal(["citypass_tap_batch_size_sum", "citypass_tap_batch_size_count"],
            MetricNames("sum(rate(citypass_tap_batch_size_sum[5m])) / sum without (venue) (rate(citypass_tap_batch_size_count[5m]))"));
        Assert.Equal(["up"], MetricNames("up{job=\"citypass\"} == 0 and on (instance) vector(1)"));
    }

    /// <summary>Authorized and declined taps, an offline upload, a refused webhook: every counter and histogram has a sample.</summary>
    private async Task Traffic()
    {
        var http = host.CreateClient();
        var rich = await http.CardWithBalance(5_00);
        var poor = await http.CardWithBalance(10);
        var terminal = $"dashboard-{Guid.NewGuid():N}"[..20];
        Assert.IsType<TapAuthorized>(await host.Decide(await host.Terminals.Tap(terminal, 1, rich.Uid, TestCity.Library, host.Clock.GetCurrentInstant())));
        Assert.IsType<TapDeclined>(await host.Decide(await host.Terminals.Tap(terminal, 2, poor.Uid, TestCity.Library, host.Clock.GetCurrentInstant())));

        var honoured = await host.Terminals.Tap(terminal, 3, rich.Uid, TestCity.Library, host.Clock.GetCurrentInstant());
        await host.Services.GetRequiredService<IBus>()
            .CreateRequestClient<UploadOfflineTaps>(new Uri($"queue:{host.OfflineTapQueue}"), RequestTimeout.After(s: 60))
            .GetResponse<OfflineTapsAccepted>(new UploadOfflineTaps(terminal, Guid.NewGuid(),
                [new OfflineTap(honoured.Sequence, honoured.CardUid, honoured.VenueId, honoured.TerminalTime, honoured.CardCounter, honoured.Cryptogram, honoured.Mac)]));

        await host.PostStripeEvent(StripeEvents.Succeeded("pi_dashboard", Guid.NewGuid(), 10_00), secret: "whsec_someone_else");
    }

    /// <summary>The gauges come from pollers (every second here): scrape until the queue and lag gauges have shown up.</summary>
    private async Task<ISet<string>> ExposedAfterPolling()
    {
        var http = host.CreateClient();
        return await Eventually.ReadAsync(async () => Prometheus.Names(await Prometheus.ScrapeAsync(http)),
            names => names.Contains("citypass_queue_messages") && names.Contains("citypass_projection_lag_events") && names.Contains("citypass_dependency_up"),
            "the queue, lag and dependency gauges", every: TimeSpan.FromMilliseconds(200));
    }

    private static IEnumerable<string> Expressions(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                        yield return property.Value.GetString()!;
                    else
                        foreach (var e in Expressions(property.Value))
                            yield return e;
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                foreach (var e in Expressions(item))
                    yield return e;
                break;
        }
    }

    private static IEnumerable<string> AlertExpressions(string rules) => AlertExpr().Matches(rules).Select(m => m.Groups[1].Value.Trim());

    private static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"];

    /// <summary>
    /// The metric names in a PromQL expression: identifiers that are not a function (followed by "("), not a keyword, not
    /// a label (inside {…} or a by/without/on/ignoring list), not a range ([5m]) nor a Grafana variable ($__rate_interval).
    /// </summary>
    public static IReadOnlyList<string> MetricNames(string promql)
    {
        var bare = Strings().Replace(promql, "\"\"");
        bare = Matchers().Replace(bare, " ");
        bare = Ranges().Replace(bare, " ");
        bare = Groupings().Replace(bare, " ");
        bare = Variables().Replace(bare, " ");
        return Identifiers().Matches(bare)
            .Where(m => !Keywords.Contains(m.Value.ToLowerInvariant()) && !m.Groups["call"].Success)
            .Select(m => m.Groups["name"].Value)
            .Distinct().ToList();
    }

    private static string Repository(string path) => Path.Combine(Processes.Root, path);

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex Groupings();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex Variables();

    [GeneratedRegex(@"(?<![\w.])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifiers();

    [GeneratedRegex(@"^\s*expr:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex AlertExpr();

    [GeneratedRegex(@"^\s*-\s*alert:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex AlertName();
}
