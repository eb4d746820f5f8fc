using CityPass.Host.Terminals;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CityPass.Host.Infrastructure;
using CityPass.Host.Operations.Monitoring;
using CityPass.Host.Operations.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace CityPass.IntegrationTests.Operations.Monitoring;

/// <summary>
/// The queue poller reaches RabbitMQ through a TCP proxy that the test cuts and restores (the real RabbitMQ, shared with
/// others, stays up): while cut, the gauges show nothing and the poller keeps running; once restored, it reconnects by itself.
/// </summary>
public sealed class QueueDepthPollerTests : IAsyncLifetime
{
    private readonly string _queue = $"poller-test-{Guid.NewGuid():N}"[..24];
    private readonly TcpProxy _proxy = new(new Uri(CityPassHost.RabbitMqUri).Port);
    private IConnection _rabbit = null!;
    private IChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _rabbit = await TestBroker.Shared.ConnectAsync();
        _channel = await _rabbit.CreateChannelAsync();
        await _channel.QueueDeclareAsync(_queue, durable: false, exclusive: false, autoDelete: false);
    }

    public async Task DisposeAsync()
    {
        await _channel.QueueDeleteAsync(_queue);
        await _channel.DisposeAsync();
        await _rabbit.DisposeAsync();
        _proxy.Dispose();
    }

    [Fact]
    public async Task Cut_from_RabbitMQ_the_poller_reports_nothing_and_keeps_running_then_reconnects_by_itself()
    {
        await Publish(2);
        _proxy.Start();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = new UriBuilder(CityPassHost.RabbitMqUri) { Host = "127.0.0.1", Port = _proxy.Port }.Uri.ToString() })
            .Build();
        var terminals = new TerminalOptions { TapQueue = _queue, OfflineTapQueue = _queue + "-offline", HeartbeatQueue = _queue + "-heartbeats" };
        using var poller = new QueueDepthPoller(configuration, Options.Create(terminals), Options.Create(new MonitoringOptions { PollSeconds = 1 }),
            NullLogger<QueueDepthPoller>.Instance);
        using var gauges = new QueueGauges();
        await poller.StartAsync(CancellationToken.None);

        await gauges.Until(g => g.GetValueOrDefault(_queue) == 2 && g.GetValueOrDefault(_queue + "_error", -1) == 0, "2 ready, and 0 in the missing error queue");

        _proxy.Stop();
        await gauges.Until(g => !g.ContainsKey(_queue), "nothing while RabbitMQ cannot be reached");
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // a few failed ticks
        Assert.False(poller.ExecuteTask!.IsCompleted);

        await Publish(1);
        _proxy.Start();
        await gauges.Until(g => g.GetValueOrDefault(_queue) == 3, "3 ready once reconnected");

        await poller.StopAsync(CancellationToken.None);
        await gauges.Until(g => !g.ContainsKey(_queue), "a stopped poller's readings gone");
    }

    private async Task Publish(int count)
    {
        for (var i = 0; i < count; i++)
            await _channel.BasicPublishAsync("", _queue, Encoding.UTF8.GetBytes("{}"));
    }

    /// <summary>What <c>citypass_queue_messages</c> reads now, by queue, collected as an exporter would.</summary>
    private sealed class QueueGauges : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _read = new();

        public QueueGauges()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CityPassTelemetry.Name && instrument.Name == "citypass.queue.messages")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag.Key == "queue")
                        _read[(string)tag.Value!] = value;
            });
            _listener.Start();
        }

        public Task Until(Func<IReadOnlyDictionary<string, long>, bool> holds, string what) =>
            IntegrationTests.Eventually.Holds(() =>
            {
                _read.Clear();
                _listener.RecordObservableInstruments();
                return holds(_read);
            }, what);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>A loopback TCP proxy to a local port that can be cut (listener closed, connections reset) and restored on the same port.</summary>
    private sealed class TcpProxy(int target) : IDisposable
    {
        private readonly ConcurrentBag<TcpClient> _open = [];
        private TcpListener? _listener;

        public int Port { get; private set; }

        public void Start()
        {
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = AcceptAsync(_listener);
        }

        public void Stop()
        {
            _listener?.Stop();
            while (_open.TryTake(out var client))
            {
                if (client.Client is { Connected: true } socket)
                    socket.LingerState = new LingerOption(true, 0); // a reset, as when the broker dies
                client.Dispose();
            }
        }

        private async Task AcceptAsync(TcpListener listener)
        {
            try
            {
                while (true)
                {
                    var inbound = await listener.AcceptTcpClientAsync();
                    var outbound = new TcpClient();
                    await outbound.ConnectAsync(IPAddress.Loopback, target);
                    _open.Add(inbound);
                    _open.Add(outbound);
                    _ = Pump(inbound, outbound);
                    _ = Pump(outbound, inbound);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // stopped
            }
        }

        private static async Task Pump(TcpClient from, TcpClient to)
        {
            try
            {
                await from.GetStream().CopyToAsync(to.GetStream());
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
            }
            finally
            {
                from.Dispose();
                to.Dispose();
            }
        }

        public void Dispose() => Stop();
    }
}
