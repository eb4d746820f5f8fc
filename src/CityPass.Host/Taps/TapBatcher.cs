using CityPass.Host.Terminals;
using System.Diagnostics;
using System.Threading.Channels;
using CityPass.Host.Operations.Telemetry;
using CityPass.Contracts.Terminals;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Taps;

/// <summary>
/// Gathers the taps the consumers hand over and decides them in batches: whatever arrived while the previous batch was
/// being written forms the next one, up to <see cref="MaxBatch"/>. No tap waits for a timer: under light load a batch
/// is one tap; under heavy load one transaction serves many taps, which is where the throughput is.
/// Taps are split between <see cref="TerminalOptions.TapWriters"/> writers by card UID: a card's taps always go to the
/// same writer, in arrival order, so writers never race each other for a card; they decide and commit in parallel.
/// </summary>
public sealed class TapBatcher(TapAuthorizer authorizer, CityPassTelemetry telemetry, IOptions<TerminalOptions> options, ILogger<TapBatcher> logger)
    : BackgroundService
{
    public const int MaxBatch = 128;

    private readonly Channel<Pending>[] _writers = Enumerable.Range(0, Math.Max(1, options.Value.TapWriters))
        .Select(_ => Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true }))
        .ToArray();

    /// <param name="Consume">The span of the tap's delivery (MassTransit's consume activity), when traced.</param>
    private sealed record Pending(AuthorizeTap Tap, TaskCompletionSource<TapReply> Reply, long Since, Activity? Consume);

    public Task<TapReply> DecideAsync(AuthorizeTap tap, CancellationToken ct)
    {
        var reply = new TaskCompletionSource<TapReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consume = Activity.Current;
        consume?.SetTag(CityPassTelemetry.TerminalTag, tap.TerminalId);
        consume?.SetTag(CityPassTelemetry.SequenceTag, tap.Sequence);
        if (!WriterOf(tap).Writer.TryWrite(new Pending(tap, reply, Stopwatch.GetTimestamp(), consume)))
            throw new InvalidOperationException("The tap batcher is stopped.");
        return reply.Task.WaitAsync(ct);
    }

    /// <summary>The writer of the tap's card: by its canonical UID, whatever format the reader sent it in.</summary>
    private Channel<Pending> WriterOf(AuthorizeTap tap)
    {
        if (_writers.Length == 1 || !CardUid.TryParse(tap.CardUid, out var uid, out _))
            return _writers[0];
        return _writers[(int)(unchecked((uint)StringComparer.Ordinal.GetHashCode(uid!.Value.Value)) % (uint)_writers.Length)];
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_writers.Select(writer => Task.Run(() => WriteAsync(writer.Reader, stoppingToken), stoppingToken)));

    private async Task WriteAsync(ChannelReader<Pending> queue, CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        while (await queue.WaitToReadAsync(stoppingToken))
        {
            while (batch.Count < MaxBatch && queue.TryRead(out var item))
                batch.Add(item);
            using var activity = StartBatchActivity(batch);
            try
            {
                var replies = await authorizer.AuthorizeAsync(batch.Select(b => b.Tap).ToList(), stoppingToken);
                telemetry.BatchDecided(batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    telemetry.TapDecided(batch[i].Tap, replies[i], Stopwatch.GetElapsedTime(batch[i].Since));
                    batch[i].Reply.TrySetResult(replies[i]);
                }
            }
            catch (Exception e)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
                // A transient failure (the database went away): each consumer's retry policy takes its tap again.
                logger.LogError(e, "Deciding a batch of {Count} taps failed", batch.Count);
                foreach (var pending in batch)
                    pending.Reply.TrySetException(e);
            }
            batch.Clear();
        }
    }

    /// <summary>
    /// A batch decides many taps at once, so its span is the child of none of them: it is a root span linked to each tap's
    /// consume span, and each consume span is linked back to it and tagged with its span id. One tap is followed from its
    /// delivery (MassTransit receive/consume) through its batch (and the batch's Marten spans) to its reply (MassTransit send).
    /// </summary>
    private static Activity? StartBatchActivity(List<Pending> batch)
    {
        var links = batch.Where(p => p.Consume is not null).Select(p => new ActivityLink(p.Consume!.Context)).ToList();
        var activity = CityPassTelemetry.Activities.StartActivity("tap batch decide", ActivityKind.Internal, parentContext: default, links: links);
        if (activity is null)
            return null;
        activity.SetTag(CityPassTelemetry.BatchSizeTag, batch.Count);
        var batchLink = new ActivityLink(activity.Context);
        foreach (var consume in batch.Select(p => p.Consume).OfType<Activity>())
        {
            // The consume span waits for this batch: nothing else touches it until its reply is set below.
            consume.SetTag(CityPassTelemetry.BatchTag, activity.SpanId.ToHexString());
            consume.AddLink(batchLink);
        }
        return activity;
    }
}
