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
    private readonly ConcurrentDictionary<string, (byte[]? Key, TaskCompletionSource<JsonObject> Reply)> _waiting = new();
    private int _refused;

    /// <summary>Answers that claimed to answer a request of this terminal but did not verify with its key: ignored.</summary>
    public int RefusedAnswers => Volatile.Read(ref _refused);

    /// <summary>The reply exchange and queue: <c>citypass-terminal:&lt;terminalId&gt;:&lt;random&gt;</c>, the names its broker user may declare.</summary>
    public string ReplyQueue => _replies;

    public bool IsOpen => _connection.IsOpen && _channel.IsOpen;

    private RawTerminal(IConnection connection, IChannel channel, string replies, string brokerHost)
    {
        (_connection, _channel, _replies, _brokerHost) = (connection, channel, replies, brokerHost);
    }

    public static async Task<RawTerminal> ConnectAsync(Uri broker, string terminalId, CancellationToken ct = default)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(ct);
        var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        // A terminal id has no ':', so this prefix is its own: its broker user may declare and read these names only.
        var replies = $"citypass-terminal:{terminalId}:{Guid.NewGuid():N}";

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
            if (envelope["requestId"]?.GetValue<string>() is not { } requestId || !terminal._waiting.TryGetValue(requestId, out var waiting))
                return Task.CompletedTask;
            // An answer acts only if it verifies; a fault (CityPass could not decide) is no answer and says so: resend.
            if (waiting.Key is not null && IsAnswer(envelope) && !TerminalCrypto.VerifyAnswer(waiting.Key, envelope, requestId))
            {
                Interlocked.Increment(ref terminal._refused);
                return Task.CompletedTask;
            }
            if (terminal._waiting.TryRemove(requestId, out (byte[]?, TaskCompletionSource<JsonObject>) _))
                waiting.Reply.TrySetResult(envelope);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(replies, autoAck: true, consumer, ct);
        return terminal;
    }

    /// <summary>
    /// Sends one tap, signed with the terminal's key and carrying the card's cryptogram, and returns the reply envelope
    /// (its "messageType" says authorized or declined). <paramref name="cardUid"/> is sent as the reader reported it.
    /// </summary>
    public async Task<JsonObject> TapAsync(
        string tapExchange, byte[] terminalKey, string terminalId, long sequence, string cardUid, CardChip card, string venueId,
        DateTimeOffset terminalTime, TimeSpan timeout, CancellationToken ct = default)
    {
        var (counter, cryptogram) = card.Authenticate(terminalId, sequence);
        var message = TapMessage(terminalKey, terminalId, sequence, cardUid, venueId, terminalTime, counter, cryptogram);
        return await RequestAsync(tapExchange, "AuthorizeTap", message, terminalKey, timeout, ct);
    }

    /// <summary>The JSON of a signed tap, online or offline.</summary>
    public static JsonObject TapMessage(byte[] terminalKey, string terminalId, long sequence, string cardUid, string venueId,
        DateTimeOffset terminalTime, long counter, string cryptogram) => new()
    {
        ["terminalId"] = terminalId,
        ["sequence"] = sequence,
        ["cardUid"] = cardUid,
        ["venueId"] = venueId,
        ["terminalTime"] = terminalTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["cardCounter"] = counter,
        ["cryptogram"] = cryptogram,
        ["mac"] = TerminalCrypto.SignTap(terminalKey, terminalId, sequence, cardUid, venueId, terminalTime, counter, cryptogram),
    };

    /// <summary>Sends a request of the given CityPass message type and waits for its answer, whatever it is (a test's view).</summary>
    public Task<JsonObject> RequestAsync(string exchange, string messageType, JsonObject message, TimeSpan timeout, CancellationToken ct = default) =>
        SendRequestAsync(exchange, messageType, message, null, timeout, ct);

    /// <summary>
    /// Sends a request and waits for an answer signed with <paramref name="terminalKey"/> for it (docs/terminal-protocol.md,
    /// "Signed answers"); an answer that does not verify is refused (<see cref="RefusedAnswers"/>) and the wait goes on.
    /// </summary>
    public Task<JsonObject> RequestAsync(string exchange, string messageType, JsonObject message, byte[] terminalKey, TimeSpan timeout, CancellationToken ct = default) =>
        SendRequestAsync(exchange, messageType, message, terminalKey, timeout, ct);

    private async Task<JsonObject> SendRequestAsync(string exchange, string messageType, JsonObject message, byte[]? terminalKey, TimeSpan timeout, CancellationToken ct)
    {
        var requestId = Guid.NewGuid().ToString();
        var envelope = new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString(),
            ["requestId"] = requestId,
            ["sourceAddress"] = $"rabbitmq://{_brokerHost}/{_replies}",
            ["destinationAddress"] = $"rabbitmq://{_brokerHost}/{exchange}",
            ["responseAddress"] = $"rabbitmq://{_brokerHost}/{_replies}?temporary=true",
            ["expirationTime"] = (TerminalClock.Now + timeout).ToString("O", CultureInfo.InvariantCulture),
            ["messageType"] = new JsonArray($"urn:message:CityPass.Contracts.Terminals:{messageType}"),
            ["message"] = message,
        };
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[requestId] = (terminalKey, reply);
        var properties = new BasicProperties
        {
            ContentType = "application/vnd.masstransit+json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = requestId,
        };
        await _channel.BasicPublishAsync(exchange, routingKey: "", mandatory: false, properties,
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

    /// <summary>Sends a one-way message (a heartbeat): no answer is expected.</summary>
    public async Task SendAsync(string exchange, string messageType, JsonObject message, CancellationToken ct = default)
    {
        var envelope = new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString(),
            ["destinationAddress"] = $"rabbitmq://{_brokerHost}/{exchange}",
            ["messageType"] = new JsonArray($"urn:message:CityPass.Contracts.Terminals:{messageType}"),
            ["message"] = message,
        };
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent };
        await _channel.BasicPublishAsync(exchange, routingKey: "", mandatory: false, properties, Encoding.UTF8.GetBytes(envelope.ToJsonString()), ct);
    }

    /// <summary>
    /// Binds a queue of this terminal's own to the deny-list fanout exchange (CityPass declares it; a terminal's broker user
    /// may not); each push is handed to <paramref name="onChange"/>.
    /// </summary>
    public async Task SubscribeDenyListAsync(string exchange, Func<JsonObject, Task> onChange, CancellationToken ct = default)
    {
        var queue = (await _channel.QueueDeclareAsync($"{_replies}-deny-list", durable: false, exclusive: true, autoDelete: true, cancellationToken: ct)).QueueName;
        await _channel.QueueBindAsync(queue, exchange, routingKey: "", cancellationToken: ct);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += async (_, delivery) =>
            await onChange(JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!["message"]!.AsObject());
        await _channel.BasicConsumeAsync(queue, autoAck: true, consumer, ct);
    }

    private static bool IsAnswer(JsonObject envelope) =>
        envelope["messageType"]?.AsArray().Any(t => t?.GetValue<string>() is { } type
            && (type.EndsWith(":TapAuthorized", StringComparison.Ordinal) || type.EndsWith(":TapDeclined", StringComparison.Ordinal)
                || type.EndsWith(":OfflineTapsAccepted", StringComparison.Ordinal))) == true;

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
