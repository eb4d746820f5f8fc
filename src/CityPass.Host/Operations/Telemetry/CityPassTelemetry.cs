using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CityPass.Contracts.Terminals;
using CityPass.Host.Taps;

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

    // Gauges read what the pollers (Operations/Monitoring) last saw, never RabbitMQ or PostgreSQL themselves: a scrape
    // never waits for a dependency. Keyed by poller, since every host of a process (the tests run several) has its own.
    private static readonly ConcurrentDictionary<object, IReadOnlyList<QueueDepth>> Queues = new();
    private static readonly ConcurrentDictionary<object, IReadOnlyList<ProjectionLag>> Lags = new();
    private static readonly ConcurrentDictionary<object, IReadOnlyList<DependencyHealth>> Dependencies = new();

    static CityPassTelemetry()
    {
        Meter.CreateObservableGauge("citypass.queue.messages",
            () => Queues.Values.SelectMany(q => q).Select(q => new Measurement<long>(q.Messages, new KeyValuePair<string, object?>("queue", q.Queue))),
            "{message}", "Messages ready in each CityPass queue and its _error/_skipped queues (0 when the queue does not exist).");
        Meter.CreateObservableGauge("citypass.queue.consumers",
            () => Queues.Values.SelectMany(q => q).Select(q => new Measurement<long>(q.Consumers, new KeyValuePair<string, object?>("queue", q.Queue))),
            "{consumer}", "Consumers attached to each CityPass queue (all hosts together).");
        Meter.CreateObservableGauge("citypass.projection.lag.events",
            () => Lags.Values.SelectMany(l => l).Select(l => new Measurement<long>(l.Events,
                new KeyValuePair<string, object?>("projection", l.Projection), new KeyValuePair<string, object?>("schema", l.Schema))),
            "{event}", "Events committed to the event store that an async projection has not processed yet.");
        Meter.CreateObservableGauge("citypass.dependency.up",
            () => Dependencies.Values.SelectMany(d => d).Select(d => new Measurement<int>(d.Up ? 1 : 0, new KeyValuePair<string, object?>("dependency", d.Dependency))),
            "", "1 when the readiness check of a dependency (postgresql, masstransit-bus) last passed, 0 otherwise.");
    }

    public static void ReportQueues(object poller, IReadOnlyList<QueueDepth> depths) => Queues[poller] = depths;

    public static void ReportProjectionLags(object poller, IReadOnlyList<ProjectionLag> lags) => Lags[poller] = lags;

    public static void ReportDependencies(object poller, IReadOnlyList<DependencyHealth> health) => Dependencies[poller] = health;

    /// <summary>A stopped poller's readings leave the gauges.</summary>
    public static void Forget(object poller)
    {
        Queues.TryRemove(poller, out _);
        Lags.TryRemove(poller, out _);
        Dependencies.TryRemove(poller, out _);
    }

    public void TapDecided(AuthorizeTap tap, TapReply reply, TimeSpan elapsed)
    {
        var (outcome, reason, venue) = reply switch
        {
            TapReply.Declined { Message.Reason: TapDeclineReason.UnknownVenue } d => ("declined", d.Message.Reason.ToString(), "unknown"),
            TapReply.Declined d => ("declined", d.Message.Reason.ToString(), Venue(tap.VenueId)),
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

/// <param name="Messages">Ready messages (not those delivered and awaiting an acknowledgement).</param>
public sealed record QueueDepth(string Queue, long Messages, long Consumers);

/// <param name="Schema">The Marten schema of the event store (one per CityPass deployment; the tests run several).</param>
public sealed record ProjectionLag(string Schema, string Projection, long Events);

public sealed record DependencyHealth(string Dependency, bool Up);
