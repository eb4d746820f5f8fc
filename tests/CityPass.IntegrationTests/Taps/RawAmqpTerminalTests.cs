using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace CityPass.IntegrationTests.Taps;

/// <summary>
/// A terminal vendor's view: a tap sent with RabbitMQ.Client alone, in the envelope contracts/README.md documents,
/// without MassTransit on the sending side.
/// </summary>
[Collection(CityPassCollection.Name)]
public class RawAmqpTerminalTests(CityPassHost host) : IAsyncLifetime
{
    private readonly HttpClient _http = host.CreateClient();
    private readonly string _replies = $"terminal-raw-{Guid.NewGuid():N}";
    private IConnection _connection = null!;
    private IChannel _channel = null!;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _waiting = new();

    public async Task InitializeAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(CityPassHost.RabbitMqUri) };
        _connection = await factory.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();

        // The terminal's reply queue, behind a fanout exchange of the same name (the address it gives as responseAddress).
        await _channel.ExchangeDeclareAsync(_replies, ExchangeType.Fanout, durable: true, autoDelete: false);
        await _channel.QueueDeclareAsync(_replies, durable: false, exclusive: true, autoDelete: true);
        await _channel.QueueBindAsync(_replies, _replies, routingKey: "");
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var envelope = JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!.AsObject();
            if (_waiting.TryRemove(envelope["requestId"]!.GetValue<string>(), out var reply))
                reply.TrySetResult(envelope);
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(_replies, autoAck: true, consumer);
    }

    public async Task DisposeAsync()
    {
        await _channel.ExchangeDeleteAsync(_replies);
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private async Task<JsonObject> SendTap(string uid, long cents, long sequence)
    {
        var requestId = Guid.NewGuid().ToString();
        var envelope = $$"""
            {
              "messageId": "{{Guid.NewGuid()}}",
              "requestId": "{{requestId}}",
              "sourceAddress": "rabbitmq://127.0.0.1/{{_replies}}",
              "destinationAddress": "rabbitmq://127.0.0.1/{{host.TapQueue}}",
              "responseAddress": "rabbitmq://127.0.0.1/{{_replies}}",
              "messageType": ["urn:message:CityPass.Contracts.Terminals:AuthorizeTap"],
              "message": {
                "terminalId": "library-desk-1",
                "sequence": {{sequence}},
                "cardUid": "{{uid}}",
                "venueId": "bibliotheque-champs-libres",
                "amountCents": {{cents}},
                "terminalTime": "2026-11-25T16:59:59.250Z"
              }
            }
            """;
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[requestId] = reply;
        var properties = new BasicProperties
        {
            ContentType = "application/vnd.masstransit+json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = requestId,
        };
        await _channel.BasicPublishAsync(host.TapQueue, routingKey: "", mandatory: true, properties, Encoding.UTF8.GetBytes(envelope));
        return await reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_tap_sent_with_raw_RabbitMQ_Client_gets_its_authorization()
    {
        var card = await _http.CardWithBalance(5_00);

        var reply = await SendTap(card.Uid.ToLowerInvariant(), 1_00, sequence: 1);

        Assert.Contains("urn:message:CityPass.Contracts.Terminals:TapAuthorized", reply["messageType"]!.AsArray().Select(t => t!.GetValue<string>()));
        var message = reply["message"]!;
        Assert.Equal("library-desk-1", message["terminalId"]!.GetValue<string>());
        Assert.Equal(1, message["sequence"]!.GetValue<long>());
        Assert.Equal(card.Uid, message["cardUid"]!.GetValue<string>());
        Assert.Equal(1_00, message["chargedCents"]!.GetValue<long>());
        Assert.Equal(4_00, message["balanceCents"]!.GetValue<long>());
        Assert.StartsWith("2026-11-25T17:", message["decidedAt"]!.GetValue<string>());
        Assert.Equal(4_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_declined_tap_sent_with_raw_RabbitMQ_Client_gets_its_reason()
    {
        var card = await _http.CardWithBalance(50);

        var reply = await SendTap(card.Uid, 1_00, sequence: 2);

        Assert.Contains("urn:message:CityPass.Contracts.Terminals:TapDeclined", reply["messageType"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("InsufficientFunds", reply["message"]!["reason"]!.GetValue<string>());
        Assert.Equal(50, reply["message"]!["balanceCents"]!.GetValue<long>());
        Assert.False(string.IsNullOrWhiteSpace(reply["message"]!["message"]!.GetValue<string>()));
    }
}
