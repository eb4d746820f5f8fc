using System.Net;
using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Host.Terminals;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Terminals;

[Collection(CityPassCollection.Name)]
public class TerminalAuthenticationTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();
    private static long _sequence = 5_000_000;

    private Task<object> Send(AuthorizeTap tap) => host.Decide(tap);

    private Task<AuthorizeTap> Tap(string terminal, string uid, long? counter = null) =>
        host.Terminals.Tap(terminal, Interlocked.Increment(ref _sequence), uid, TestCity.Library, host.Clock.GetCurrentInstant(), counter);

    private async Task<List<SecurityIncident>> Incidents(string terminalId)
    {
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.Query<SecurityIncident>().Where(i => i.TerminalId == terminalId).ToListAsync()).ToList();
    }

    private async Task AssertRefused(AuthorizeTap tap, TapDeclineReason reason, string incidentKind, Guid cardId, long balance)
    {
        var declined = Assert.IsType<TapDeclined>(await Send(tap));
        Assert.Equal(reason, declined.Reason);
        Assert.Equal(balance, (await _http.Card(cardId)).BalanceCents);
        Assert.Contains(await Incidents(tap.TerminalId), i => i.Kind == incidentKind && i.Sequence == tap.Sequence);
    }

    [Fact]
    public async Task A_forged_signature_is_refused_reported_and_charges_nothing()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap("library-auth-1", card.Uid);

        await AssertRefused(TestTerminals.Sign(new byte[32], tap), TapDeclineReason.NotAuthenticated, "terminal-not-authenticated", card.Id, 10_00);
    }

    [Fact]
    public async Task A_terminal_id_that_was_never_enrolled_is_refused()
    {
        var card = await _http.CardWithBalance(10_00);
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync("/scheme/terminals/library-never-enrolled", new { venueId = TestCity.Library })).StatusCode);
        var tap = TestTerminals.Sign(new byte[32], (await Tap("library-auth-2", card.Uid)) with { TerminalId = "library-never-enrolled" });

        await AssertRefused(tap, TapDeclineReason.NotAuthenticated, "terminal-not-authenticated", card.Id, 10_00);
    }

    [Fact]
    public async Task A_message_altered_in_transit_is_refused()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap("library-auth-3", card.Uid);

        await AssertRefused(tap with { Sequence = tap.Sequence + 1 }, TapDeclineReason.NotAuthenticated, "terminal-not-authenticated", card.Id, 10_00);
    }

    [Fact]
    public async Task A_captured_tap_replayed_after_the_skew_window_is_refused_as_stale()
    {
        var card = await _http.CardWithBalance(10_00);
        var captured = await Tap("library-auth-4", card.Uid);
        captured = await host.Terminals.Resign(captured with { TerminalTime = host.Clock.GetCurrentInstant() - Duration.FromMinutes(10) });

        await AssertRefused(captured, TapDeclineReason.StaleRequest, "stale-request", card.Id, 10_00);
    }

    [Fact]
    public async Task A_decommissioned_terminal_is_refused_and_re_enrolment_rotates_the_key()
    {
        var card = await _http.CardWithBalance(10_00);
        var oldKey = await host.Terminals.KeyAsync("library-auth-5", TestCity.Library);
        Assert.IsType<TapAuthorized>(await Send(await Tap("library-auth-5", card.Uid)));

        var decommissioned = await _http.PostAsJsonAsync("/terminals/library-auth-5/decommission", new { reason = "stolen from the desk" });
        Assert.Equal(HttpStatusCode.OK, decommissioned.StatusCode);
        await AssertRefused(await Tap("library-auth-5", card.Uid), TapDeclineReason.NotAuthenticated, "terminal-not-authenticated", card.Id, 9_00);

        var enrolled = await (await _http.PostAsync("/terminals/library-auth-5/enrol", null)).Content.ReadFromJsonAsync<TerminalCredentials>(Api.Json);
        Assert.Equal(2, enrolled!.KeyVersion);
        var newKey = Convert.FromBase64String(enrolled.Key);
        Assert.NotEqual(oldKey, newKey);
        var withOldKey = await Tap("library-auth-5", card.Uid);
        await AssertRefused(withOldKey, TapDeclineReason.NotAuthenticated, "terminal-not-authenticated", card.Id, 9_00);
        Assert.IsType<TapAuthorized>(await Send(TestTerminals.Sign(newKey, withOldKey with { Sequence = withOldKey.Sequence + 1, Cryptogram = host.Terminals.Cryptogram(card.Uid, withOldKey.CardCounter, withOldKey.TerminalId, withOldKey.Sequence + 1) })));
    }

    [Fact]
    public async Task A_cloned_uid_without_the_cards_key_is_declined_and_reported()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap("library-auth-6", card.Uid);
        var clone = TestTerminals.Sign(await host.Terminals.KeyAsync("library-auth-6", TestCity.Library), tap with { Cryptogram = "0123456789ABCDEF" });

        await AssertRefused(clone, TapDeclineReason.CardNotAuthentic, "card-not-authentic", card.Id, 10_00);
    }

    [Fact]
    public async Task A_card_counter_used_twice_is_declined_as_a_replay_and_reported()
    {
        var card = await _http.CardWithBalance(10_00);
        var counter = TestTerminals.NextCounter();
        Assert.IsType<TapAuthorized>(await Send(await Tap("library-auth-7", card.Uid, counter)));

        await AssertRefused(await Tap("library-auth-7", card.Uid, counter), TapDeclineReason.CardReplayed, "card-replayed", card.Id, 9_00);
    }

    [Fact]
    public async Task The_incidents_endpoint_lists_what_was_refused()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap("library-auth-8", card.Uid);
        Assert.IsType<TapDeclined>(await Send(TestTerminals.Sign(new byte[32], tap)));

        var incidents = await _http.GetFromJsonAsync<List<SecurityIncident>>("/terminals/incidents?limit=1000", Api.Json);
        Assert.Contains(incidents!, i => i.TerminalId == "library-auth-8" && i.Kind == "terminal-not-authenticated");
    }
}
