using System.Net.Http.Json;
using CityPass.TerminalSimulator;

namespace CityPass.IntegrationTests.Taps;

/// <summary>
/// A terminal vendor's view: taps sent with RabbitMQ.Client alone (the terminal simulator's <see cref="RawTerminal"/>),
/// in the envelope contracts/README.md documents, without MassTransit or CityPass types on the sending side.
/// </summary>
[Collection(CityPassCollection.Name)]
public class RawAmqpTerminalTests(CityPassHost host) : IAsyncLifetime
{
    private readonly HttpClient _http = host.CreateClient();
    private RawTerminal _terminal = null!;

    public async Task InitializeAsync() => _terminal = await RawTerminal.ConnectAsync(new Uri(CityPassHost.RabbitMqUri), "library-desk-1");

    public async Task DisposeAsync() => await _terminal.DisposeAsync();

    /// <summary>A tap by the library's desk terminal, enrolled over HTTP, with a card personalised over HTTP.</summary>
    private async Task<System.Text.Json.Nodes.JsonObject> Tap(string uid, string venue, long sequence, CardChip? chip = null)
    {
        var key = await host.Terminals.KeyAsync("library-desk-1", TestCity.Library);
        chip ??= await host.Terminals.ChipAsync(uid);
        return await _terminal.TapAsync(host.TapQueue, key, "library-desk-1", sequence, uid, chip, venue,
            host.Clock.GetCurrentInstant().ToDateTimeOffset(), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_tap_sent_with_raw_RabbitMQ_Client_gets_its_authorization()
    {
        var card = await _http.CardWithBalance(5_00);

        var reply = await Tap(card.Uid.ToLowerInvariant(), TestCity.Library, sequence: 1);

        Assert.True(RawTerminal.IsAuthorized(reply), reply.ToJsonString());
        Assert.Contains("urn:message:CityPass.Contracts.Terminals:TapAuthorized", reply["messageType"]!.AsArray().Select(t => t!.GetValue<string>()));
        var message = reply["message"]!;
        Assert.Equal("library-desk-1", message["terminalId"]!.GetValue<string>());
        Assert.Equal(1, message["sequence"]!.GetValue<long>());
        Assert.Equal(card.Uid, message["cardUid"]!.GetValue<string>());
        Assert.Equal(1_00, message["chargedCents"]!.GetValue<long>());
        Assert.Equal("StoredValue", message["rightUsed"]!.GetValue<string>());
        Assert.Equal(4_00, message["balanceCents"]!.GetValue<long>());
        Assert.StartsWith("2026-11-25T17:", message["decidedAt"]!.GetValue<string>());
        Assert.Equal(4_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_declined_tap_sent_with_raw_RabbitMQ_Client_gets_its_reason()
    {
        var card = await _http.CardWithBalance(50);

        var reply = await Tap(card.Uid, TestCity.Library, sequence: 2);

        Assert.False(RawTerminal.IsAuthorized(reply));
        Assert.Contains("urn:message:CityPass.Contracts.Terminals:TapDeclined", reply["messageType"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("InsufficientFunds", reply["message"]!["reason"]!.GetValue<string>());
        Assert.Equal(50, reply["message"]!["balanceCents"]!.GetValue<long>());
        Assert.False(string.IsNullOrWhiteSpace(reply["message"]!["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_raw_retry_of_the_same_message_gets_the_first_answer()
    {
        var card = await _http.CardWithBalance(5_00);
        var key = await host.Terminals.KeyAsync("library-desk-1", TestCity.Library);
        var (counter, cryptogram) = (await host.Terminals.ChipAsync(card.Uid)).Authenticate("library-desk-1", 3);
        var message = RawTerminal.TapMessage(key, "library-desk-1", 3, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant().ToDateTimeOffset(), counter, cryptogram);

        var first = await _terminal.RequestAsync(host.TapQueue, "AuthorizeTap", message, TimeSpan.FromSeconds(30));
        var retry = await _terminal.RequestAsync(host.TapQueue, "AuthorizeTap", message.DeepClone().AsObject(), TimeSpan.FromSeconds(30));

        Assert.True(RawTerminal.IsAuthorized(first));
        Assert.Equal(first["message"]!.ToJsonString(), retry["message"]!.ToJsonString());
        Assert.Equal(4_00, (await _http.Card(card.Id)).BalanceCents);
    }
}
