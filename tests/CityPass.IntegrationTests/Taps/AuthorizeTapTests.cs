using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using MassTransit;
using NodaTime;

namespace CityPass.IntegrationTests.Taps;

[Collection(CityPassCollection.Name)]
public class AuthorizeTapTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();
    private static long _sequence;

    /// <summary>A signed tap at a venue of the <see cref="TestCity"/> (the pool charges 3.50, the library 1.00), by a terminal of that venue.</summary>
    private Task<AuthorizeTap> Tap(string uid, string venue, string? terminal = null, long? sequence = null) =>
        host.Terminals.Tap(terminal ?? $"{(venue.Trim().Length == 0 ? TestCity.Library : venue)}-gate", sequence ?? Interlocked.Increment(ref _sequence), uid, venue,
            host.Clock.GetCurrentInstant());

    private Task<object> Send(AuthorizeTap tap) => host.Decide(tap);

    [Fact]
    public async Task A_tap_the_balance_covers_is_authorized_and_charged()
    {
        var card = await _http.CardWithBalance(10_00);

        var reply = Assert.IsType<TapAuthorized>(await Send(await Tap(card.Uid, TestCity.Pool)));

        Assert.Equal((3_50L, 6_50L, card.Uid, "StoredValue", "payg"), (reply.ChargedCents, reply.BalanceCents, reply.CardUid, reply.RightUsed, reply.ProductId));
        Assert.Equal(6_50, (await _http.Card(card.Id)).BalanceCents);
        var charge = Assert.Single(await _http.History(card.Id), l => l.Kind == "charged");
        Assert.Equal((-3_50L, 6_50L, TestCity.Pool, "pool-gate"), (charge.AmountCents!.Value, charge.BalanceCents!.Value, charge.VenueId!, charge.TerminalId!));
    }

    [Fact]
    public async Task The_same_tap_delivered_three_times_is_charged_once_and_answered_three_times_alike()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap(card.Uid, TestCity.Pool);

        var replies = new List<object>();
        for (var i = 0; i < 3; i++)
            replies.Add(await Send(tap));

        var first = Assert.IsType<TapAuthorized>(replies[0]);
        Assert.All(replies, r => Assert.Equal(first, r));
        Assert.Equal(6_50, (await _http.Card(card.Id)).BalanceCents);
        Assert.Single(await _http.History(card.Id), l => l.Kind == "charged");
    }

    [Fact]
    public async Task The_same_tap_delivered_concurrently_is_charged_once()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap(card.Uid, TestCity.Library);

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Send(tap)));

        Assert.All(replies, r => Assert.Equal(replies[0], r));
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
        Assert.Single(await _http.History(card.Id), l => l.Kind == "charged");
    }

    [Fact]
    public async Task Twenty_racing_taps_on_a_card_that_pays_for_five_authorize_exactly_five()
    {
        var card = await _http.CardWithBalance(5 * 3_50);
        var terminals = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => Tap(card.Uid, TestCity.Pool, terminal: $"pool-gate-{i}")));

        var replies = await Task.WhenAll(terminals.Select(Send));

        Assert.Equal(5, replies.OfType<TapAuthorized>().Count());
        var declined = replies.OfType<TapDeclined>().ToList();
        Assert.Equal(15, declined.Count);
        Assert.All(declined, d => Assert.Equal(TapDeclineReason.InsufficientFunds, d.Reason));
        Assert.Equal(0, (await _http.Card(card.Id)).BalanceCents);
        var charges = (await _http.History(card.Id)).Where(l => l.Kind == "charged").ToList();
        Assert.Equal(5, charges.Count);
        Assert.All(charges, c => Assert.True(c.BalanceCents >= 0));
        Assert.Equal(
            new long[] { 14_00, 10_50, 7_00, 3_50, 0 },
            charges.OrderBy(c => c.Version).Select(c => c.BalanceCents!.Value));
    }

    [Fact]
    public async Task A_card_never_issued_is_declined_as_unknown()
    {
        var reply = Assert.IsType<TapDeclined>(await Send(await Tap(Given.NewUid(), TestCity.Library)));
        Assert.Equal(TapDeclineReason.UnknownCard, reply.Reason);
        Assert.Null(reply.BalanceCents);
    }

    [Fact]
    public async Task A_blocked_card_is_declined_and_charged_nothing()
    {
        var card = await _http.CardWithBalance(10_00);
        (await _http.PostAsJsonAsync($"/cards/{card.Id}/block", new { reason = "lost" })).EnsureSuccessStatusCode();

        var reply = Assert.IsType<TapDeclined>(await Send(await Tap(card.Uid, TestCity.Library)));

        Assert.Equal((TapDeclineReason.CardBlocked, 10_00L), (reply.Reason, reply.BalanceCents!.Value));
        Assert.Equal(10_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_uid_in_another_readers_format_is_the_same_card()
    {
        var card = await _http.CardWithBalance(10_00);
        var colonSeparated = string.Join(':', card.Uid.Chunk(2).Select(c => new string(c))).ToLowerInvariant();

        var reply = Assert.IsType<TapAuthorized>(await Send(await Tap(colonSeparated, TestCity.Library)));

        Assert.Equal(card.Uid, reply.CardUid);
    }

    [Theory]
    [InlineData("", "the venue is missing")]
    [InlineData("   ", "the venue is blank")]
    public async Task An_invalid_request_is_declined_and_writes_nothing(string venue, string because)
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap(card.Uid, venue);

        var reply = Assert.IsType<TapDeclined>(await Send(tap));
        Assert.True(reply.Reason == TapDeclineReason.InvalidRequest, because);

        // Nothing was recorded under this sequence: the corrected tap with the same number is decided afresh.
        Assert.IsType<TapAuthorized>(await Send(await host.Terminals.Resign(tap with { VenueId = TestCity.Library })));
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_malformed_uid_is_declined_as_an_invalid_request()
    {
        var reply = Assert.IsType<TapDeclined>(await Send(await Tap("04-zz-not-hex", TestCity.Library)));
        Assert.Equal(TapDeclineReason.InvalidRequest, reply.Reason);
        Assert.Contains("hexadecimal", reply.Message);
    }

    [Fact]
    public async Task A_venue_not_in_the_scheme_is_declined()
    {
        var card = await _http.CardWithBalance(10_00);
        var reply = Assert.IsType<TapDeclined>(await Send(await Tap(card.Uid, "atlantis", terminal: "library-gate")));
        Assert.Equal(TapDeclineReason.UnknownVenue, reply.Reason);
        Assert.Equal(10_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_sequence_number_reused_for_another_tap_is_declined_and_charges_nothing()
    {
        var first = await _http.CardWithBalance(10_00);
        var second = await _http.CardWithBalance(10_00);
        var tap = await Tap(first.Uid, TestCity.Library);
        Assert.IsType<TapAuthorized>(await Send(tap));

        var reply = Assert.IsType<TapDeclined>(await Send(await host.Terminals.Resign(tap with { CardUid = second.Uid, CardCounter = TestTerminals.NextCounter() })));

        Assert.Equal(TapDeclineReason.SequenceReused, reply.Reason);
        Assert.Equal(10_00, (await _http.Card(second.Id)).BalanceCents);
        Assert.Equal(9_00, (await _http.Card(first.Id)).BalanceCents);
    }

    [Fact]
    public async Task One_sequence_number_sent_at_once_for_two_cards_charges_one_of_them()
    {
        // Two cards' taps go to different tap writers (by UID) about half the time: the writers race on the tap record.
        var terminal = $"race-{Guid.NewGuid():N}"[..20];
        var pairs = new List<(Guid First, Guid Second, Task<object> A, Task<object> B)>();
        for (var i = 1; i <= 10; i++)
        {
            var first = await _http.CardWithBalance(10_00);
            var second = await _http.CardWithBalance(10_00);
            var tap = await Tap(first.Uid, TestCity.Library, terminal, sequence: i);
            var twin = await host.Terminals.Resign(tap with { CardUid = second.Uid, CardCounter = TestTerminals.NextCounter() });
            pairs.Add((first.Id, second.Id, Send(tap), Send(twin)));
        }
        foreach (var (first, second, a, b) in pairs)
        {
            var replies = new[] { await a, await b };
            Assert.Single(replies.OfType<TapAuthorized>());
            Assert.Equal(TapDeclineReason.SequenceReused, Assert.Single(replies.OfType<TapDeclined>()).Reason);
            Assert.Equal(19_00, (await _http.Card(first)).BalanceCents + (await _http.Card(second)).BalanceCents);
        }
    }
}
