using System.Diagnostics;
using System.Diagnostics.Metrics;
using CityPass.Contracts.Terminals;

namespace CityPass.Host.Operations.Telemetry;

/// <summary>
/// CityPass's own meter and activity source. Labels carry venues, outcomes and reasons only: never a card, a terminal's
/// key nor anything about a cardholder (those belong in traces' and logs' ids, not in metric labels of unbounded cardinality).
/// The meter comes from <see cref="IMeterFactory"/>, so two hosts in one process (the tests) count apart.
/// </summary>
public sealed class CityPassTelemetry
{
    public const string Name = "CityPass";

    /// <summary>Spans around each batch of tap decisions; MassTransit's own "MassTransit" spans are their parents' siblings.</summary>
    public static readonly ActivitySource Activities = new(Name);

    private readonly Counter<long> _taps;
    private readonly Histogram<double> _decision;
    private readonly Histogram<int> _batch;
    private readonly Counter<long> _offline;
    private readonly Counter<long> _webhooks;

    public CityPassTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _taps = meter.CreateCounter<long>("citypass.taps", "{tap}", "Online taps decided, by venue, outcome (authorized, declined) and decline reason.");
        _decision = meter.CreateHistogram<double>("citypass.tap.decision.duration", "s",
            "Time from a tap's hand-over to the batcher to its decision (waiting for the batch included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _batch = meter.CreateHistogram<int>("citypass.tap.batch.size", "{tap}", "Taps decided in one transaction.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });
        _offline = meter.CreateCounter<long>("citypass.offline_taps", "{tap}", "Offline taps uploaded, by result (recorded, duplicate, rejected).");
        _webhooks = meter.CreateCounter<long>("citypass.webhooks", "{event}", "Stripe webhook deliveries, by outcome.");
    }

    public void TapDecided(AuthorizeTap tap, object reply, TimeSpan elapsed)
    {
        var (outcome, reason, venue) = reply switch
        {
            TapDeclined { Reason: TapDeclineReason.UnknownVenue } d => ("declined", d.Reason.ToString(), "unknown"),
            TapDeclined d => ("declined", d.Reason.ToString(), Venue(tap.VenueId)),
            _ => ("authorized", "", Venue(tap.VenueId)),
        };
        _taps.Add(1, new("venue", venue), new("outcome", outcome), new("reason", reason));
        _decision.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void BatchDecided(int size) => _batch.Record(size);

    public void OfflineTaps(int recorded, int duplicates, int rejected)
    {
        if (recorded > 0) _offline.Add(recorded, new KeyValuePair<string, object?>("result", "recorded"));
        if (duplicates > 0) _offline.Add(duplicates, new KeyValuePair<string, object?>("result", "duplicate"));
        if (rejected > 0) _offline.Add(rejected, new KeyValuePair<string, object?>("result", "rejected"));
    }

    public void Webhook(string outcome) => _webhooks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A venue id as a label: the scheme's ids are short; anything else a terminal made up is "other".</summary>
    private static string Venue(string? venue) =>
        string.IsNullOrWhiteSpace(venue) || venue.Length > 64 ? "other" : venue;
}
