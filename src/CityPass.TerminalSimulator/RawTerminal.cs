using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace CityPass.TerminalSimulator;

/// <summary>
/// Talks to CityPass the way contracts/README.md tells a terminal vendor to: a MassTransit JSON envelope published to the
/// "citypass-taps" exchange, the reply read from the terminal's own queue named in "responseAddress".
/// </summary>
public sealed class RawTerminal : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _replies;
    private readonly string _brokerHost;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _waiting = new();

    private RawTerminal(IConnection connection, IChannel channel, string replies, string brokerHost)
    {
        (_connection, _channel, _replies, _brokerHost) = (connection, channel, replies, brokerHost);
    }

    public static async Task<RawTerminal> ConnectAsync(Uri broker, string terminalId, CancellationToken ct = default)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(ct);
        var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var replies = $"terminal-{terminalId}-{Guid.NewGuid():N}";

        // The reply address: a fanout exchange (what CityPass sends to) bound to the terminal's exclusive queue.
        // "?temporary=true" in the address tells CityPass the exchange is non-durable and auto-deleted, as declared here.
        await channel.ExchangeDeclareAsync(replies, ExchangeType.Fanout, durable: false, autoDelete: true, cancellationToken: ct);
        await channel.QueueDeclareAsync(replies, durable: false, exclusive: true, autoDelete: true, cancellationToken: ct);
        await channel.QueueBindAsync(replies, replies, routingKey: "", cancellationToken: ct);

        var terminal = new RawTerminal(connection, channel, replies, broker.Host);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var envelope = JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!.AsObject();
            if (envelope["requestId"]?.GetValue<string>() is { } requestId && terminal._waiting.TryRemove(requestId, out var reply))
                reply.TrySetResult(envelope);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(replies, autoAck: true, consumer, ct);
        return terminal;
    }

    /// <summary>Sends one tap and returns the reply envelope (its "messageType" says authorized or declined).</summary>
    public async Task<JsonObject> TapAsync(
        string tapExchange, string terminalId, long sequence, string cardUid, string venueId,
        DateTimeOffset terminalTime, TimeSpan timeout, CancellationToken ct = default)
    {
        var requestId = Guid.NewGuid().ToString();
        var envelope = new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString(),
            ["requestId"] = requestId,
            ["sourceAddress"] = $"rabbitmq://{_brokerHost}/{_replies}",
            ["destinationAddress"] = $"rabbitmq://{_brokerHost}/{tapExchange}",
            ["responseAddress"] = $"rabbitmq://{_brokerHost}/{_replies}?temporary=true",
            ["expirationTime"] = (DateTimeOffset.UtcNow + timeout).ToString("O", CultureInfo.InvariantCulture),
            ["messageType"] = new JsonArray("urn:message:CityPass.Contracts.Terminals:AuthorizeTap"),
            ["message"] = new JsonObject
            {
                ["terminalId"] = terminalId,
                ["sequence"] = sequence,
                ["cardUid"] = cardUid,
                ["venueId"] = venueId,
                ["terminalTime"] = terminalTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            },
        };
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[requestId] = reply;
        var properties = new BasicProperties
        {
            ContentType = "application/vnd.masstransit+json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = requestId,
        };
        await _channel.BasicPublishAsync(tapExchange, routingKey: "", mandatory: false, properties,
            Encoding.UTF8.GetBytes(envelope.ToJsonString()), ct);
        try
        {
            return await reply.Task.WaitAsync(timeout, ct);
        }
        finally
        {
            _waiting.TryRemove(requestId, out _);
        }
    }

    public static bool IsAuthorized(JsonObject reply) =>
        reply["messageType"]!.AsArray().Any(t => t!.GetValue<string>().EndsWith(":TapAuthorized", StringComparison.Ordinal));

    public static string Describe(JsonObject reply) =>
        reply["message"]!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
