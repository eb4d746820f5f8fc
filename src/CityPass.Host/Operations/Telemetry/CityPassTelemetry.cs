using System.Diagnostics;
using System.Diagnostics.Metrics;
using CityPass.Contracts.Terminals;

namespace CityPass.Host.Operations.Telemetry;

/// <summary>
/// CityPass's own meter and activity source. Labels carry venues, outcomes and reasons only: never a card, a terminal's
/// key nor anything about a cardholder (those belong in traces' and logs' ids, not in metric labels of unbounded cardinality).
/// The meter is one per process, as its activity source: OpenTelemetry listens to meters by name, and a second host in the
/// same process (the tests) disposing a meter of the same name would end the first host's streams of these instruments.
/// </summary>
public sealed class CityPassTelemetry
{
    public const string Name = "CityPass";

    /// <summary>Spans around each batch of tap decisions, linked to (and from) the consume spans of its taps.</summary>
    public static readonly ActivitySource Activities = new(Name);

    /// <summary>On a tap's consume span: the span id of the <c>tap batch decide</c> span that decided it.</summary>
    public const string BatchTag = "citypass.batch.span_id";

    public const string BatchSizeTag = "citypass.batch.size";

    /// <summary>On a tap's consume span: its terminal and sequence number (the tap's identity; no card, no cardholder).</summary>
    public const string TerminalTag = "citypass.terminal.id";

    public const string SequenceTag = "citypass.tap.sequence";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Taps = Meter.CreateCounter<long>("citypass.taps", "{tap}",
        "Online taps decided, by venue, outcome (authorized, declined) and decline reason.");

    private static readonly Histogram<double> Decision = Meter.CreateHistogram<double>("citypass.tap.decision.duration", "s",
        "Time from a tap's hand-over to the batcher to its decision (waiting for the batch included).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    private static readonly Histogram<int> Batch = Meter.CreateHistogram<int>("citypass.tap.batch.size", "{tap}", "Taps decided in one transaction.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });

    private static readonly Counter<long> Offline = Meter.CreateCounter<long>("citypass.offline_taps", "{tap}",
        "Offline taps uploaded, by result (recorded, duplicate, rejected).");

    private static readonly Counter<long> Webhooks = Meter.CreateCounter<long>("citypass.webhooks", "{event}", "Stripe webhook deliveries, by outcome.");

    public void TapDecided(AuthorizeTap tap, object reply, TimeSpan elapsed)
    {
        var (outcome, reason, venue) = reply switch
        {
            TapDeclined { Reason: TapDeclineReason.UnknownVenue } d => ("declined", d.Reason.ToString(), "unknown"),
            TapDeclined d => ("declined", d.Reason.ToString(), Venue(tap.VenueId)),
            _ => ("authorized", "", Venue(tap.VenueId)),
        };
        Taps.Add(1, new("venue", venue), new("outcome", outcome), new("reason", reason));
        Decision.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void BatchDecided(int size) => Batch.Record(size);

    public void OfflineTaps(int recorded, int duplicates, int rejected)
    {
        if (recorded > 0) Offline.Add(recorded, new KeyValuePair<string, object?>("result", "recorded"));
        if (duplicates > 0) Offline.Add(duplicates, new KeyValuePair<string, object?>("result", "duplicate"));
        if (rejected > 0) Offline.Add(rejected, new KeyValuePair<string, object?>("result", "rejected"));
    }

    public void Webhook(string outcome) => Webhooks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A venue id as a label: the scheme's ids are short; anything else a terminal made up is "other".</summary>
    private static string Venue(string? venue) =>
        string.IsNullOrWhiteSpace(venue) || venue.Length > 64 ? "other" : venue;
}
