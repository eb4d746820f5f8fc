using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CityPass.Host.Operations.Telemetry;

namespace CityPass.Benchmarks;

/// <summary>
/// Listens to the host's own tap metrics while a run lasts: the time a tap spends inside the host (from its consumer
/// handing it to the batcher to its decision, waiting for its batch included) and the size of the batches. What is left
/// of the end-to-end latency is messaging: the terminal's bus, RabbitMQ both ways, MassTransit in the host.
/// </summary>
public sealed class HostTapMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<double> _decisionMs = new();
    private readonly ConcurrentQueue<int> _batchSizes = new();

    public HostTapMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CityPassTelemetry.Name && instrument.Name is "citypass.tap.decision.duration" or "citypass.tap.batch.size")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) => _decisionMs.Enqueue(seconds * 1_000));
        _listener.SetMeasurementEventCallback<int>((_, size, _, _) => _batchSizes.Enqueue(size));
        _listener.Start();
    }

    /// <summary>The host's share of the latency (p50, p99 in ms) and the mean batch size, since this meter started.</summary>
    public (double P50, double P99, double MeanBatch) Result()
    {
        var decisions = new Run(0, _decisionMs.Count, 1, _decisionMs.ToArray());
        return (decisions.P(0.5), decisions.P(0.99), _batchSizes.IsEmpty ? 0 : _batchSizes.Average());
    }

    public void Dispose() => _listener.Dispose();
}
