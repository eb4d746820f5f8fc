using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityPass.Contracts.Terminals;
using CityPass.Domain.DenyLists;
using RabbitMQ.Client;

namespace CityPass.Host.Terminals;

/// <summary>How far the deny-list stream has been pushed to RabbitMQ: the last version the broker confirmed.</summary>
public sealed record DenyListRelayState(string Id, long PublishedVersion, Instant PublishedAt)
{
    public const string DocumentId = "deny-list";
}

/// <summary>
/// The outbox of the deny list: the committed deny-list stream is the outbox, <see cref="DenyListRelayState"/> the cursor.
/// Publishes <see cref="DenyListChanged"/> with every change after the last confirmed version, then moves the cursor, so
/// a change committed while RabbitMQ is down (or while this host restarts) is pushed once the broker is back, and nothing
/// is pushed for a write that did not commit. Woken by <see cref="DenyListListener"/> after each commit that changes the
/// list, and polls every <see cref="PollInterval"/> for changes committed by other hosts or missed wake-ups.
/// <para>
/// At least once: a crash (or a PostgreSQL outage) between the broker's confirm and the cursor's update pushes those
/// versions again, and every host runs a relay, so two hosts polling at the same moment may both push a change.
/// Duplicates are harmless by design: each change carries its version and terminals apply only versions above their own
/// (docs/terminal-protocol.md).
/// </para>
/// <para>
/// It publishes on a RabbitMQ connection and channel of its own, with publisher confirms (RabbitMQ.Client alone, in the
/// MassTransit JSON envelope terminals read): the cursor moves only once the broker has confirmed the message, whatever
/// state the bus's own connection is in while it recovers from a broker restart.
/// </para>
/// </summary>
public sealed class DenyListRelay(IDocumentStore store, IConfiguration configuration, IClock clock, DenyListSigner signer, ILogger<DenyListRelay> logger)
    : BackgroundService
{
    private static readonly JsonSerializerOptions MessageJson = Infrastructure.Json.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private IConnection? _connection;
    private IChannel? _channel;

    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long one publish may wait for the broker's confirm before the relay tries again.</summary>
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Changes per message at most (a relay far behind catches up in several messages, in order).</summary>
    public const int MaxChangesPerMessage = 500;

    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>A commit changed the deny list: push it now rather than at the next poll.</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // already awake
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        var failing = false;
        try
        {
            await ChannelAsync(stoppingToken); // connected before the first change, so that it is pushed at once
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogDebug(e, "Deny-list relay: no RabbitMQ channel yet; connecting at the first change");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RelayOnceAsync(stoppingToken))
                    continue; // more to push
                if (failing)
                    logger.LogInformation("Deny-list relay: pushing again");
                failing = false;
                backoff = TimeSpan.FromMilliseconds(200);
                await _wake.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // RabbitMQ or PostgreSQL is down: the changes stay in the stream and are pushed when both answer.
                if (!failing)
                    logger.LogWarning(e, "Deny-list relay: cannot push now ({Reason}); retrying until RabbitMQ and PostgreSQL answer", e.Message);
                failing = true;
                try
                {
                    await Task.Delay(backoff, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    /// <summary>Pushes the next changes after the cursor, if any; true when more remain.</summary>
    private async Task<bool> RelayOnceAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var published = (await session.LoadAsync<DenyListRelayState>(DenyListRelayState.DocumentId, ct))?.PublishedVersion ?? 0;
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == DenyList.StreamId && e.Version > published)
            .OrderBy(e => e.Version)
            .Take(MaxChangesPerMessage)
            .ToListAsync(ct);
        if (events.Count == 0)
            return false;

        var changes = events.Select(e => e.Data switch
        {
            CardDenied d => DenyListReasons.Entry(d.Uid, true, d.Reason, e.Version),
            CardAllowed a => DenyListReasons.Entry(a.Uid, false, a.Reason, e.Version),
            var other => throw new InvalidOperationException($"Unexpected event {other.GetType().Name} on the deny-list stream."),
        }).ToList();
        var version = events[^1].Version;

        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(PublishTimeout);
            await PublishAsync(signer.WithSignature(new DenyListChanged(version, changes)), timeout.Token);
        }

        session.Store(new DenyListRelayState(DenyListRelayState.DocumentId, version, clock.GetCurrentInstant()));
        await session.SaveChangesAsync(ct);
        logger.LogDebug("Deny-list relay: pushed versions {From} to {To}", changes[0].Version, version);
        return events.Count == MaxChangesPerMessage;
    }

    /// <summary>Persistent, on the durable fanout exchange; returns once the broker confirmed it (throws if it did not).</summary>
    private async Task PublishAsync(DenyListChanged change, CancellationToken ct)
    {
        var channel = await ChannelAsync(ct);
        var messageId = Guid.NewGuid().ToString();
        var envelope = new JsonObject
        {
            ["messageId"] = messageId,
            ["destinationAddress"] = $"rabbitmq://{configuration.RabbitMqUri().Host}/{TerminalQueues.DenyList}",
            ["messageType"] = new JsonArray($"urn:message:{typeof(DenyListChanged).Namespace}:{nameof(DenyListChanged)}"),
            ["message"] = JsonSerializer.SerializeToNode(change, MessageJson),
            ["sentTime"] = clock.GetCurrentInstant().ToString(),
        };
        var properties = new BasicProperties
        {
            MessageId = messageId,
            ContentType = "application/vnd.masstransit+json",
            DeliveryMode = DeliveryModes.Persistent,
        };
        try
        {
            await channel.BasicPublishAsync(TerminalQueues.DenyList, routingKey: "", mandatory: false, properties,
                Encoding.UTF8.GetBytes(envelope.ToJsonString()), ct);
        }
        catch
        {
            await DropConnectionAsync(); // a new channel next time: this one may be half-closed or awaiting a confirm
            throw;
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken ct)
    {
        if (_channel is { IsOpen: true } && _connection is { IsOpen: true })
            return _channel;
        await DropConnectionAsync();
        _connection = await configuration.ConnectToBrokerAsync("citypass-deny-list-relay", ct);
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        await _channel.ExchangeDeclareAsync(TerminalQueues.DenyList, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        return _channel;
    }

    private async Task DropConnectionAsync()
    {
        try
        {
            if (_channel is not null)
                await _channel.DisposeAsync();
            if (_connection is not null)
                await _connection.DisposeAsync();
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException or ObjectDisposedException)
        {
            // already broken: nothing to close
        }
        (_channel, _connection) = (null, null);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await DropConnectionAsync();
    }
}
