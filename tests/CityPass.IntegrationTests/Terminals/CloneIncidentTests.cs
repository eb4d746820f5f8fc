using CityPass.Contracts.Terminals;
using CityPass.Host.Terminals;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Terminals;

/// <summary>
/// Issue 14, items 5 and 7: a full clone shows in the card's counters and places (reported, the tap decided as usual), and
/// a copy of a decided tap replayed after the clock-skew window gets the recorded answer instead of StaleRequest.
/// </summary>
[Collection(CityPassCollection.Name)]
public class CloneIncidentTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();
    private static long _sequence = 7_000_000;

    private async Task<AuthorizeTap> Tap(string terminal, string venue, string uid, long counter, Instant? at = null) =>
        await host.Terminals.Tap(terminal, Interlocked.Increment(ref _sequence), uid, venue, at ?? host.Clock.GetCurrentInstant(), counter);

    private async Task<List<SecurityIncident>> Incidents(string cardUid)
    {
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.Query<SecurityIncident>().Where(i => i.CardUid == cardUid).ToListAsync()).ToList();
    }

    [Fact]
    public async Task A_counter_lower_than_one_seen_online_before_is_reported_and_the_tap_still_decided()
    {
        var card = await _http.CardWithBalance(10_00);
        var counter = TestTerminals.NextCounter() + 1_000_000_000;
        var clone = await Tap("library-clone-1", TestCity.Library, card.Uid, counter + 50);
        Assert.IsType<TapAuthorized>(await host.Decide(clone));
        Assert.Empty(await Incidents(card.Uid));

        var genuine = await Tap("library-clone-1", TestCity.Library, card.Uid, counter + 1);
        Assert.IsType<TapAuthorized>(await host.Decide(genuine));

        var incident = Assert.Single(await Incidents(card.Uid));
        Assert.Equal(("card-counter-backwards", genuine.Sequence), (incident.Kind, incident.Sequence));
        Assert.Contains($"below counter {counter + 50}", incident.Detail);
    }

    [Fact]
    public async Task One_card_at_two_venues_within_the_window_is_reported()
    {
        var card = await _http.CardWithBalance(10_00);
        var counter = TestTerminals.NextCounter() + 2_000_000_000;
        Assert.IsType<TapAuthorized>(await host.Decide(await Tap("library-clone-2", TestCity.Library, card.Uid, counter)));
        var atThePool = await Tap("pool-clone-2", TestCity.Pool, card.Uid, counter + 1);
        await host.Decide(atThePool); // decided as usual, whatever the pool says

        var incident = Assert.Single(await Incidents(card.Uid));
        Assert.Equal(("card-far-apart", atThePool.Sequence), (incident.Kind, incident.Sequence));
        Assert.Contains($"at {TestCity.Library}", incident.Detail);
    }

    [Fact]
    public async Task A_copy_of_a_decided_tap_replayed_after_the_skew_window_gets_the_recorded_answer_and_reports_nothing()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap("library-clone-3", TestCity.Library, card.Uid, TestTerminals.NextCounter() + 3_000_000_000);
        var first = Assert.IsType<TapAuthorized>(await host.Decide(tap));

        var now = host.Clock.GetCurrentInstant();
        host.Clock.Reset(now + Duration.FromMinutes(10));
        object replayed;
        try
        {
            replayed = await host.Decide(tap);
        }
        finally
        {
            host.Clock.Reset(now + Duration.FromSeconds(1));
        }

        Assert.Equal(first, Assert.IsType<TapAuthorized>(replayed));
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
        Assert.Empty(await Incidents(card.Uid));
    }
}
