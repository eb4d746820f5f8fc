using System.Collections.Concurrent;
using System.Diagnostics;
using CityPass.Contracts.Terminals;
using CityPass.Host.Operations.Telemetry;

namespace CityPass.IntegrationTests.Operations.Telemetry;

/// <summary>
/// One tap followed through its spans: MassTransit's consume span of the tap is linked to the <c>tap batch decide</c>
/// span that decided it (and tagged with its id), the batch span links back to every tap it decided, and Marten's
/// connection spans are the batch span's children.
/// </summary>
[Collection(CityPassCollection.Name)]
public sealed class TraceTests(CityPassHost host) : IDisposable
{
    private readonly ConcurrentBag<Activity> _stopped = [];
    private ActivityListener? _listener;

    private void Listen()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is CityPassTelemetry.Name or "MassTransit" or "Marten",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _stopped.Add(a),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener?.Dispose();

    [Fact]
    public async Task A_taps_consume_span_and_its_batch_span_are_linked_both_ways_and_the_batch_holds_the_database_spans()
    {
        Listen();
        var card = await host.CreateClient().CardWithBalance(5_00);
        var terminal = $"trace-{Guid.NewGuid():N}"[..20];
        var tap = await host.Terminals.Tap(terminal, 7, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant());

        Assert.IsType<TapAuthorized>(await host.Decide(tap));

        var consume = await Eventually.Found(() => _stopped.FirstOrDefault(a =>
            a.Source.Name == "MassTransit" && Equals(a.GetTagItem(CityPassTelemetry.TerminalTag), terminal)), "the tap's consume span");
        Assert.Equal(7L, consume.GetTagItem(CityPassTelemetry.SequenceTag));
        var batchId = Assert.IsType<string>(consume.GetTagItem(CityPassTelemetry.BatchTag));
        var batch = await Eventually.Found(() => _stopped.FirstOrDefault(a => a.OperationName == "tap batch decide" && a.SpanId.ToHexString() == batchId),
            "the tap's batch span");

        Assert.Contains(batch.Links, l => l.Context.SpanId == consume.SpanId && l.Context.TraceId == consume.TraceId);
        Assert.Contains(consume.Links, l => l.Context.SpanId == batch.SpanId);
        Assert.True((int)batch.GetTagItem(CityPassTelemetry.BatchSizeTag)! >= 1);
        Assert.Contains(_stopped, a => a.Source.Name == "Marten" && a.ParentSpanId == batch.SpanId);
        // The reply travels in the tap's own trace.
        Assert.Contains(_stopped, a => a.Source.Name == "MassTransit" && a.TraceId == consume.TraceId && a.Kind == ActivityKind.Producer);
    }
}
