using CityPass.Host.Operations.FailedMessages;
using CityPass.Host.Operations.Telemetry;
using CityPass.Host.Terminals;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace CityPass.Host.Operations.Monitoring;

/// <summary>
/// Reads the depth and consumers of the tap, offline-tap and heartbeat queues and of their <c>_error</c>/<c>_skipped</c>
/// queues with a passive queue.declare, on a connection of its own, every <see cref="MonitoringOptions.PollSeconds"/>.
/// A queue that does not exist (nothing ever failed there) reads 0. While RabbitMQ is away the gauges show nothing (the
/// <c>citypass_dependency_up</c> gauge says why) and the poller connects again at each tick until it is back.
/// </summary>
public sealed class QueueDepthPoller(
    IConfiguration configuration, IOptions<TerminalOptions> terminals, IOptions<MonitoringOptions> options, ILogger<QueueDepthPoller> logger)
    : GaugePoller(options, logger)
{
    public IReadOnlyList<string> Queues { get; } =
    [
        .. new[] { terminals.Value.TapQueue, terminals.Value.OfflineTapQueue, terminals.Value.HeartbeatQueue }
            .SelectMany(q => FailedMessageStore.Suffixes.Select(s => q + s).Prepend(q)),
    ];

    private IConnection? _connection;

    protected override (string What, string From) Describe => ("queue depths", "RabbitMQ");

    protected override async Task PollAsync(CancellationToken ct)
    {
        if (_connection is { IsOpen: false })
            await ReleaseAsync();
        _connection ??= await configuration.ConnectToBrokerAsync("citypass-monitoring", ct, factory =>
        {
            factory.AutomaticRecoveryEnabled = false; // reconnected at the next tick instead
            factory.RequestedConnectionTimeout = TimeSpan.FromSeconds(3);
        });
        CityPassTelemetry.ReportQueues(this, await ReadAsync(_connection, ct));
    }

    protected override void ReportNothing() => CityPassTelemetry.ReportQueues(this, []);

    protected override async ValueTask ReleaseAsync()
    {
        if (_connection is not null)
            await Quietly(_connection.DisposeAsync);
        _connection = null;
    }

    private async Task<IReadOnlyList<QueueDepth>> ReadAsync(IConnection connection, CancellationToken ct)
    {
        var depths = new List<QueueDepth>(Queues.Count);
        IChannel? channel = null;
        try
        {
            foreach (var queue in Queues)
            {
                channel ??= await connection.CreateChannelAsync(cancellationToken: ct);
                try
                {
                    var declared = await channel.QueueDeclarePassiveAsync(queue, ct);
                    depths.Add(new QueueDepth(queue, declared.MessageCount, declared.ConsumerCount));
                }
                catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
                {
                    depths.Add(new QueueDepth(queue, 0, 0)); // the broker closed the channel: the next queue gets a new one
                    await Quietly(channel.DisposeAsync);
                    channel = null;
                }
            }
        }
        finally
        {
            if (channel is not null)
                await Quietly(channel.DisposeAsync);
        }
        return depths;
    }

    private static async Task Quietly(Func<ValueTask> dispose)
    {
        try
        {
            await dispose();
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or IOException or ObjectDisposedException)
        {
            // closing what the broker already closed
        }
    }
}
