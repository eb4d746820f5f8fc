using System.Diagnostics;
using System.Threading.Channels;
using CityPass.Host.Operations.Telemetry;
using CityPass.Contracts.Terminals;

namespace CityPass.Host.Taps;

/// <summary>
/// Gathers the taps the consumers hand over and decides them in batches: whatever arrived while the previous batch was
/// being written forms the next one, up to <see cref="MaxBatch"/>. No tap waits for a timer: under light load a batch
/// is one tap; under heavy load one transaction serves many taps, which is where the throughput is.
/// </summary>
public sealed class TapBatcher(TapAuthorizer authorizer, CityPassTelemetry telemetry, ILogger<TapBatcher> logger) : BackgroundService
{
    public const int MaxBatch = 128;

    private readonly Channel<(AuthorizeTap Tap, TaskCompletionSource<object> Reply, long Since)> _queue =
        Channel.CreateUnbounded<(AuthorizeTap, TaskCompletionSource<object>, long)>(new UnboundedChannelOptions { SingleReader = true });

    public Task<object> DecideAsync(AuthorizeTap tap, CancellationToken ct)
    {
        var reply = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((tap, reply, Stopwatch.GetTimestamp())))
            throw new InvalidOperationException("The tap batcher is stopped.");
        return reply.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(AuthorizeTap Tap, TaskCompletionSource<object> Reply, long Since)>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                batch.Add(item);
            using var activity = CityPassTelemetry.Activities.StartActivity("tap batch decide");
            activity?.SetTag("citypass.batch.size", batch.Count);
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
                foreach (var (_, reply, _) in batch)
                    reply.TrySetException(e);
            }
            batch.Clear();
        }
    }
}
