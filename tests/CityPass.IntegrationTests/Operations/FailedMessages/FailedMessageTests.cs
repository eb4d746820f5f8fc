using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityPass.IntegrationTests.Payments;
using RabbitMQ.Client;

namespace CityPass.IntegrationTests.Operations.FailedMessages;

/// <summary>
/// Poison messages land in MassTransit's error queue with the reason; an administrator lists, inspects and replays them,
/// and a replay of a tap already decided charges nothing more. Everything on the wire is raw RabbitMQ.Client.
/// </summary>
[Collection(CityPassCollection.Name)]
public class FailedMessageTests(CityPassHost host) : IAsyncLifetime
{
    private readonly HttpClient _http = host.CreateClient();
    private IConnection _rabbit = null!;
    private IChannel _channel = null!;
    private readonly string _replies = $"failed-messages-test-{Guid.NewGuid():N}";

    public async Task InitializeAsync()
    {
        _rabbit = await host.Broker.ConnectAsync();
        _channel = await _rabbit.CreateChannelAsync();
        await _channel.ExchangeDeclareAsync(_replies, ExchangeType.Fanout, durable: false, autoDelete: true);
        await _channel.QueueDeclareAsync(_replies, durable: false, exclusive: true, autoDelete: true);
        await _channel.QueueBindAsync(_replies, _replies, routingKey: "");
    }

    public async Task DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _rabbit.DisposeAsync();
    }

    private string ErrorQueue => host.TapQueue + "_error";

    [Fact]
    public async Task Malformed_JSON_on_the_tap_queue_lands_in_the_error_queue_with_the_reason_and_the_administrator_sees_it()
    {
        var messageId = Guid.NewGuid().ToString();
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent, MessageId = messageId };
        await _channel.BasicPublishAsync("", host.TapQueue, mandatory: false, properties, Encoding.UTF8.GetBytes("{\"messageType\": [\"urn:message:CityPass.Contracts.Terminals:AuthorizeTap\"], \"message\": {"));

        // In the error queue, with MassTransit's fault headers, found with basic.get and put back.
        var admin = await host.Administrator();
        var listed = await Eventually.FoundAsync(async () =>
            (await admin.GetFromJsonAsync<List<JsonObject>>("/admin/failed-messages"))!.FirstOrDefault(m => m["id"]!.GetValue<string>() == messageId),
            $"message {messageId} listed as failed");
        Assert.Equal(host.TapQueue, listed["queue"]!.GetValue<string>());
        Assert.Equal(ErrorQueue, listed["failedQueue"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(listed["reason"]?.GetValue<string>()));

        await using (var peek = await _rabbit.CreateChannelAsync())
        {
            var raw = await peek.BasicGetAsync(ErrorQueue, autoAck: false);
            Assert.NotNull(raw);
            Assert.Equal(messageId, raw.BasicProperties.MessageId);
            Assert.Contains("MT-Fault-Message", raw.BasicProperties.Headers!.Keys);
            Assert.Contains("MT-Fault-ExceptionType", raw.BasicProperties.Headers!.Keys);
            await peek.BasicNackAsync(raw.DeliveryTag, multiple: false, requeue: true);
        }

        // Inspecting shows the body as sent; listing twice loses nothing.
        var detail = await admin.GetFromJsonAsync<JsonObject>($"/admin/failed-messages/{messageId}");
        Assert.EndsWith("\"message\": {", detail!["body"]!.GetValue<string>());
        Assert.Contains("MT-Fault-Message", detail["headers"]!.AsObject().Select(h => h.Key));
        Assert.Equal(listed["reason"]!.GetValue<string>(), detail["reason"]!.GetValue<string>());
        Assert.Single((await admin.GetFromJsonAsync<List<JsonObject>>("/admin/failed-messages"))!, m => m["id"]!.GetValue<string>() == messageId);

        // Not for anyone else, and an unknown id is a problem+json 404.
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().GetAsync("/admin/failed-messages")).StatusCode);
        var missing = await admin.PostAsync("/admin/failed-messages/no-such-message/replay", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task A_discarded_message_leaves_the_error_queue_for_good_and_is_kept_with_who_discarded_it()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await host.Terminals.Tap($"ops-bin-{Guid.NewGuid():N}"[..20], 1, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant());
        var requestId = Guid.NewGuid().ToString();
        var admin = await host.Administrator();
        await PutInErrorQueue(TapEnvelope(tap, requestId), requestId);

        var discarded = await admin.PostAsync($"/admin/failed-messages/{requestId}/discard", null);
        Assert.Equal(HttpStatusCode.OK, discarded.StatusCode);
        Assert.DoesNotContain((await admin.GetFromJsonAsync<List<JsonObject>>("/admin/failed-messages"))!, m => m["id"]!.GetValue<string>() == requestId);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/admin/failed-messages/{requestId}/discard", null)).StatusCode);
        var kept = Assert.Single((await admin.GetFromJsonAsync<List<JsonObject>>("/admin/failed-messages/discarded"))!,
            d => d["message"]!["id"]!.GetValue<string>() == requestId);
        Assert.Equal(CityPassHost.AdministratorEmail, kept["discardedBy"]!.GetValue<string>());
        Assert.Contains(card.Uid, kept["message"]!["body"]!.GetValue<string>());
        Assert.Equal(10_00, (await _http.Card(card.Id)).BalanceCents); // never decided
    }

    [Fact]
    public async Task A_replayed_tap_is_decided_once_however_often_it_is_replayed()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await host.Terminals.Tap($"ops-desk-{Guid.NewGuid():N}"[..20], 1, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant());
        var requestId = Guid.NewGuid().ToString();
        var envelope = TapEnvelope(tap, requestId);
        var admin = await host.Administrator();

        // A tap that failed before it was decided: the replay decides it (one charge, one answer).
        await PutInErrorQueue(envelope, requestId);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/admin/failed-messages/{requestId}/replay", null)).StatusCode);
        var first = await Reply();
        Assert.Contains("TapAuthorized", first["messageType"]!.ToJsonString());
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
        Assert.DoesNotContain((await admin.GetFromJsonAsync<List<JsonObject>>("/admin/failed-messages"))!, m => m["id"]!.GetValue<string>() == requestId);

        // The same tap in the error queue again (processed, but its fault was recorded): the replay answers alike and charges nothing.
        await PutInErrorQueue(envelope, requestId);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/admin/failed-messages/{requestId}/replay", null)).StatusCode);
        var second = await Reply();
        Assert.Equal(first["message"]!.ToJsonString(), second["message"]!.ToJsonString());
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
        Assert.Single(await _http.History(card.Id), l => l.Kind == "charged");
    }

    [Fact]
    public async Task The_failed_messages_command_lists_shows_and_replays_from_a_shell()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await host.Terminals.Tap($"ops-cli-{Guid.NewGuid():N}"[..20], 1, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant());
        var requestId = Guid.NewGuid().ToString();
        await PutInErrorQueue(TapEnvelope(tap, requestId), requestId);

        var (listed, list) = await host.HostCommand("failed-messages", "list");
        Assert.True(listed == 0, list);
        Assert.Contains($"{requestId}\t{host.TapQueue}\t{ErrorQueue}", list);

        var (shown, show) = await host.HostCommand("failed-messages", "show", requestId);
        Assert.True(shown == 0, show);
        Assert.Contains(tap.Cryptogram, show);
        Assert.Contains("Exception while reading from stream", show);

        var (replayed, replay) = await host.HostCommand("failed-messages", "replay", requestId);
        Assert.True(replayed == 0, replay);
        Assert.Contains($"replayed {requestId} to {host.TapQueue}", replay);
        Assert.Contains("TapAuthorized", (await Reply())["messageType"]!.ToJsonString());
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);

        // Gone from the error queue; a wrong id or a wrong usage says so with its exit code.
        Assert.Equal(1, (await host.HostCommand("failed-messages", "replay", requestId)).ExitCode);
        Assert.Equal(2, (await host.HostCommand("failed-messages", "purge")).ExitCode);
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
    }

    /// <summary>A tap as MassTransit sends it on the tap queue, its reply addressed to this test's queue.</summary>
    private JsonObject TapEnvelope(CityPass.Contracts.Terminals.AuthorizeTap tap, string requestId) => new()
    {
        ["messageId"] = requestId,
        ["requestId"] = requestId,
        ["sourceAddress"] = $"rabbitmq://127.0.0.1/{_replies}",
        ["destinationAddress"] = $"rabbitmq://127.0.0.1/{host.TapQueue}",
        ["responseAddress"] = $"rabbitmq://127.0.0.1/{_replies}?temporary=true",
        ["messageType"] = new JsonArray("urn:message:CityPass.Contracts.Terminals:AuthorizeTap"),
        ["message"] = JsonSerializer.SerializeToNode(tap, Api.Json),
    };

    private Task PutInErrorQueue(JsonObject envelope, string messageId) => host.PutInErrorQueue(ErrorQueue, envelope, messageId);

    private async Task<JsonObject> Reply() =>
        await Eventually.FoundAsync(async () => await _channel.BasicGetAsync(_replies, autoAck: true) is { } got
            ? JsonNode.Parse(Encoding.UTF8.GetString(got.Body.Span))!.AsObject()
            : null, "a reply");
}
