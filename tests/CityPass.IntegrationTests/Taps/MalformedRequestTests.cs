using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using CityPass.Host.Terminals;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Xunit.Abstractions;

namespace CityPass.IntegrationTests.Taps;

/// <summary>
/// Issue 14, item 1: every request gets exactly one answer. Raw bytes published with RabbitMQ.Client, as a vendor's
/// terminal would (no MassTransit on the sending side): invalid JSON, a field of the wrong type, a null message, an
/// unknown message type, a 1 MB field. Each is answered once, at its response address, within the request's 5 s lifetime,
/// recorded as an incident, and none lands in the error or skipped queues.
/// </summary>
[Collection(CityPassCollection.Name)]
public class MalformedRequestTests(CityPassHost host, ITestOutputHelper output) : IAsyncLifetime
{
    private IConnection _rabbit = null!;
    private IChannel _channel = null!;
    private readonly string _replies = $"malformed-test-{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(JsonObject Envelope, int Bytes, TimeSpan At)>> _received = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public async Task InitializeAsync()
    {
        _rabbit = await host.Broker.ConnectAsync();
        _channel = await _rabbit.CreateChannelAsync();
        await _channel.ExchangeDeclareAsync(_replies, ExchangeType.Fanout, durable: false, autoDelete: true);
        await _channel.QueueDeclareAsync(_replies, durable: false, exclusive: true, autoDelete: true);
        await _channel.QueueBindAsync(_replies, _replies, routingKey: "");
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var envelope = JsonNode.Parse(Encoding.UTF8.GetString(delivery.Body.Span))!.AsObject();
            var requestId = envelope["requestId"]?.GetValue<string>() ?? "";
            _received.GetOrAdd(requestId, _ => new()).Enqueue((envelope, delivery.Body.Length, _clock.Elapsed));
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(_replies, autoAck: true, consumer);
    }

    public async Task DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _rabbit.DisposeAsync();
    }

    private string Envelope(string requestId, string messageType, string message) =>
        $$"""
        {"messageId":"{{Guid.NewGuid()}}","requestId":"{{requestId}}","responseAddress":"rabbitmq://127.0.0.1/{{_replies}}?temporary=true",
         "messageType":["urn:message:CityPass.Contracts.Terminals:{{messageType}}"],"message":{{message}}}
        """;

    private static string Tap(string terminalId, string sequence, string cardUid = "\"04A22B1C5D6E80\"") =>
        $$"""{"terminalId":"{{terminalId}}","sequence":{{sequence}},"cardUid":{{cardUid}},"venueId":"library","terminalTime":"2026-11-25T17:45:00.000Z","cardCounter":3,"cryptogram":"9C1E0A77D3B25F08","mac":"00"}""";

    private async Task<(JsonObject Reply, int Bytes, TimeSpan Took)> Send(string queue, string requestId, string body)
    {
        var sent = _clock.Elapsed;
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent, Expiration = "5000" };
        await _channel.BasicPublishAsync(queue, "", mandatory: false, properties, Encoding.UTF8.GetBytes(body));
        var answers = await Eventually.Found(() => _received.TryGetValue(requestId, out var got) && !got.IsEmpty ? got : null,
            $"an answer to {requestId}", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));
        var (reply, bytes, at) = answers.First();
        return (reply, bytes, at - sent);
    }

    private async Task<uint> Count(string queue)
    {
        await using var channel = await _rabbit.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0; // never declared: nothing was ever put there
        }
    }

    private async Task<List<SecurityIncident>> Incidents(string terminalId)
    {
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.Query<SecurityIncident>().Where(i => i.TerminalId == terminalId && i.Kind == "malformed-request").ToListAsync()).ToList();
    }

    [Fact]
    public async Task Each_malformed_tap_gets_one_InvalidRequest_answer_within_its_lifetime_and_none_is_left_in_a_queue()
    {
        var terminal = $"malformed-{Guid.NewGuid():N}"[..24];
        var errorsBefore = await Count(host.TapQueue + "_error");
        var skippedBefore = await Count(host.TapQueue + "_skipped");
        var megabyte = new string('A', 1024 * 1024);
        var cases = new (string Name, string Body, string Mentions)[]
        {
            ("invalid JSON", "", "not valid JSON"),
            ("a number sent as a string", Tap(terminal, "\"123\""), "message.sequence"),
            ("a null message", "null", "message is missing"),
            ("an unknown message type", Tap(terminal, "4"), "messageType must be"),
            ("a 1 MB cardUid", Tap(terminal, "5", $"\"{megabyte}\""), "at most 16384 bytes"),
        };
        var sequence = 0;
        foreach (var (name, body, mentions) in cases)
        {
            sequence++;
            var requestId = Guid.NewGuid().ToString();
            var envelope = name switch
            {
                // Cut off after the response address: what was read up to the break still says where to answer.
                "invalid JSON" => Envelope(requestId, "AuthorizeTap", Tap(terminal, "1"))[..^60],
                "an unknown message type" => Envelope(requestId, "AuthoriseTap", body),
                _ => Envelope(requestId, "AuthorizeTap", body),
            };
            var (reply, bytes, took) = await Send(host.TapQueue, requestId, envelope);
            output.WriteLine($"{name}: answered in {took.TotalMilliseconds:F0} ms, {bytes} bytes");

            Assert.Contains("urn:message:CityPass.Contracts.Terminals:TapDeclined", reply["messageType"]!.ToJsonString());
            var message = reply["message"]!;
            Assert.Equal("InvalidRequest", message["reason"]!.GetValue<string>());
            Assert.Contains(mentions, message["message"]!.GetValue<string>());
            Assert.True(took < TimeSpan.FromSeconds(5), $"{name}: answered after {took.TotalSeconds:F1} s");
            Assert.True(bytes < 4096, $"{name}: the answer is {bytes} bytes: the request was echoed");
            if (name is "a number sent as a string" or "an unknown message type" or "a 1 MB cardUid")
                Assert.Equal(terminal, message["terminalId"]!.GetValue<string>());
        }

        // Exactly one answer each, nothing in the error or skipped queues, each one recorded.
        await Task.Delay(1000);
        Assert.All(_received.Values, answers => Assert.Single(answers));
        Assert.Equal(cases.Length, _received.Count);
        Assert.Equal(errorsBefore, await Count(host.TapQueue + "_error"));
        Assert.Equal(skippedBefore, await Count(host.TapQueue + "_skipped"));
        var recorded = await Eventually.ReadAsync(() => Incidents(terminal), r => r.Count >= cases.Length - 1, "malformed taps recorded");
        Assert.All(recorded, i => Assert.True(i.Detail.Length < 1000, i.Detail));
    }

    [Fact]
    public async Task A_malformed_offline_upload_gets_OfflineTapsRefused_and_a_batch_that_breaks_a_rule_too()
    {
        var terminal = $"malformed-up-{Guid.NewGuid():N}"[..24];
        var batch = Guid.NewGuid();
        var errorsBefore = await Count(host.OfflineTapQueue + "_error");

        var wrongType = Guid.NewGuid().ToString();
        var (reply, _, took) = await Send(host.OfflineTapQueue, wrongType,
            Envelope(wrongType, "UploadOfflineTaps", $$"""{"terminalId":"{{terminal}}","batchId":"{{batch}}","taps":"all of them"}"""));
        output.WriteLine($"taps of the wrong type: answered in {took.TotalMilliseconds:F0} ms");
        Assert.Contains("urn:message:CityPass.Contracts.Terminals:OfflineTapsRefused", reply["messageType"]!.ToJsonString());
        Assert.Equal((terminal, batch.ToString(), "InvalidRequest"),
            (reply["message"]!["terminalId"]!.GetValue<string>(), reply["message"]!["batchId"]!.GetValue<string>(), reply["message"]!["reason"]!.GetValue<string>()));
        Assert.Contains("message.taps", reply["message"]!["message"]!.GetValue<string>());

        var empty = Guid.NewGuid().ToString();
        (reply, _, _) = await Send(host.OfflineTapQueue, empty,
            Envelope(empty, "UploadOfflineTaps", $$"""{"terminalId":"{{terminal}}","batchId":"{{batch}}","taps":[]}"""));
        Assert.Contains("OfflineTapsRefused", reply["messageType"]!.ToJsonString());
        Assert.Contains("1 to 1000 taps", reply["message"]!["message"]!.GetValue<string>());

        await Task.Delay(500);
        Assert.All(_received.Values, answers => Assert.Single(answers));
        Assert.Equal(errorsBefore, await Count(host.OfflineTapQueue + "_error"));
    }

    [Fact]
    public async Task A_malformed_heartbeat_cannot_be_answered_so_it_is_recorded_and_kept_in_the_error_queue()
    {
        var terminal = $"malformed-hb-{Guid.NewGuid():N}"[..24];
        var errorsBefore = await Count(host.HeartbeatQueue + "_error");
        var body = $$$"""
            {"messageId":"{{{Guid.NewGuid()}}}","messageType":["urn:message:CityPass.Contracts.Terminals:TerminalHeartbeat"],
             "message":{"terminalId":"{{{terminal}}}","softwareVersion":"1.4.0","denyListVersion":"seven","pendingOfflineTaps":0,"terminalTime":"2026-11-25T17:45:00Z","mac":"00"}}
            """;
        await _channel.BasicPublishAsync(host.HeartbeatQueue, "", mandatory: false,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent }, Encoding.UTF8.GetBytes(body));

        var recorded = await Eventually.ReadAsync(() => Incidents(terminal), r => r.Count == 1, "the malformed heartbeat recorded");
        Assert.Contains("message.denyListVersion", recorded[0].Detail);
        await Eventually.ReadAsync(() => Count(host.HeartbeatQueue + "_error"), n => n == errorsBefore + 1, "the heartbeat in the error queue");
    }
}
