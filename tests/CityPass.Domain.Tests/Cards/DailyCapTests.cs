using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using CsCheck;
using NodaTime;

namespace CityPass.Domain.Tests.Cards;

/// <summary>
/// The daily cap per service day, whatever the order taps arrive in: online taps decided at their time, offline taps
/// uploaded later, several days, cards and venues interleaved. Issue 20: a tap priced on another service day used to
/// reset the cap, so returning to the earlier day charged past it.
/// </summary>
public class DailyCapTests
{
    private static readonly Scheme Scheme = TestScheme.Build();

    // Monday 23 November 2026; days 0 to 3 are Monday to Thursday (the pool's weekday evening tariff applies).
    private static readonly LocalDate FirstDay = new(2026, 11, 23);

    /// <param name="Card">Which of the test's cards; each card has its own concession (none, Sortir 50 with a 3.00 cap, Sortir 85).</param>
    /// <param name="Arrival">The order the back end sees the tap in (a sort key), unrelated to its time.</param>
    private sealed record Planned(int Card, string Venue, Instant At, bool Offline, int Arrival);

    private static readonly string?[] Profiles = [null, "sortir-50", "sortir-85"];

    private static Gen<Planned> PlannedTap(int days) =>
        Gen.Select(Gen.Int[0, 2], Gen.Bool, Gen.Int[0, days - 1], Gen.Int[0, 24 * 60 - 1], Gen.Bool, Gen.Int)
            .Select((card, pool, day, minute, offline, arrival) =>
            {
                // The pool is open 07:00-22:00; the car park always, so its night taps cross the 04:00 cut-off.
                var time = pool ? new LocalTime(7, 0).PlusMinutes(minute % (15 * 60)) : LocalTime.Midnight.PlusMinutes(minute);
                var at = FirstDay.PlusDays(day).At(time).InZoneLeniently(TestScheme.Paris).ToInstant();
                return new Planned(card, pool ? "pool" : "parking", at, offline, arrival);
            });

    private static Card[] Cards()
    {
        return [.. Profiles.Select(profile =>
        {
            var card = TestScheme.NewCard(900_00);
            if (profile is null)
                return card;
            var (granted, refusal) = CardDecisions.Decide(card, Scheme,
                new GrantConcession(Guid.NewGuid(), profile, FirstDay.PlusDays(-30), FirstDay.PlusDays(300), "CAF 2026-1"), TestScheme.Defined);
            Assert.Null(refusal);
            return card.Evolve(granted!);
        })];
    }

    /// <summary>Decides every tap in the given order, online or offline, and returns the events each card got.</summary>
    private static List<object>[] Run(IEnumerable<(Planned Planned, Tap Tap)> taps, bool asPlanned = true)
    {
        var cards = Cards();
        var events = cards.Select(_ => new List<object>()).ToArray();
        foreach (var (planned, tap) in taps)
        {
            var card = cards[planned.Card];
            IReadOnlyList<object> decided = planned.Offline && asPlanned
                ? OfflineTapDecisions.Decide(card, Scheme, tap).Events
                : TapDecisions.Decide(card, Scheme, tap, tap.TerminalTime) is TapDecision.Authorized a ? [a.Event] : [];
            cards[planned.Card] = decided.Aggregate(card, (c, e) => c.Evolve(e));
            events[planned.Card].AddRange(decided);
        }
        return events;
    }

    /// <summary>What each service day took from a card: charged and owed.</summary>
    private static Dictionary<LocalDate, long> ByServiceDay(List<object> events) =>
        events.Select(e => e switch
            {
                FareCharged c => (Day: (LocalDate?)c.ServiceDate, c.Amount.Cents),
                FareOwed o => (o.ServiceDate, o.Amount.Cents),
                _ => (null, 0),
            })
            .Where(x => x.Day is not null)
            .GroupBy(x => x.Day!.Value)
            .ToDictionary(g => g.Key, g => g.Sum(x => x.Cents));

    private static long CapOf(int card) => Profiles[card] == "sortir-50" ? 3_00 : 6_00;

    private static List<(Planned, Tap)> WithTaps(List<Planned> planned) =>
        [.. planned.Select((p, i) => (p, new Tap(p.Venue, $"{p.Venue}-gate-{p.Card}", i + 1, p.At)))];

    [Fact]
    public void Every_service_day_costs_what_its_taps_cost_in_terminal_time_order_and_never_more_than_its_cap()
    {
        PlannedTap(days: 4).List[1, 60].Sample(planned =>
        {
            var taps = WithTaps(planned);
            var arrived = Run(taps.OrderBy(t => t.Item1.Arrival));
            var inTimeOrder = Run(taps.OrderBy(t => t.Item2.TerminalTime).ThenBy(t => t.Item2.TerminalSequence), asPlanned: false);
            for (var card = 0; card < arrived.Length; card++)
            {
                var days = ByServiceDay(arrived[card]);
                if (days.Values.Any(spent => spent > CapOf(card)))
                    return false;
                if (!days.OrderBy(d => d.Key).SequenceEqual(ByServiceDay(inTimeOrder[card]).OrderBy(d => d.Key)))
                    return false;
            }
            return true;
        });
    }

    [Fact]
    public void Past_the_cards_memory_a_late_upload_is_charged_nothing_rather_than_past_a_cap()
    {
        // Three weeks of taps: more service days than the card remembers, uploaded in any order.
        PlannedTap(days: 21).List[1, 80].Sample(planned =>
        {
            var arrived = Run(WithTaps(planned).OrderBy(t => t.Item1.Arrival));
            return arrived.Select((events, card) => ByServiceDay(events).Values.All(spent => spent <= CapOf(card))).All(ok => ok);
        });
    }

    [Fact]
    public void Yesterdays_offline_taps_uploaded_between_todays_online_taps_keep_both_days_under_the_cap()
    {
        var card = TestScheme.NewCard(50_00);
        var today = TestScheme.InParis(2026, 11, 26, 9);
        var yesterday = TestScheme.InParis(2026, 11, 25, 9);
        var charged = new List<(LocalDate Day, long Cents)>();
        void Online(Instant at)
        {
            var a = Assert.IsType<TapDecision.Authorized>(TapDecisions.Decide(card, Scheme, TestScheme.TapAt("pool", at), at));
            card = card.Evolve(a.Event);
            charged.Add((((FareCharged)a.Event).ServiceDate, a.Charged.Cents));
        }
        void Offline(Instant at)
        {
            var outcome = OfflineTapDecisions.Decide(card, Scheme, TestScheme.TapAt("pool", at));
            card = outcome.Events.Aggregate(card, (c, e) => c.Evolve(e));
            charged.Add((((FareCharged)outcome.Events[0]).ServiceDate, outcome.Charged.Cents));
        }

        Online(today);
        Online(today + Duration.FromHours(1));
        Offline(yesterday);
        Offline(yesterday + Duration.FromHours(1));
        Offline(yesterday + Duration.FromHours(2));
        Online(today + Duration.FromHours(2));

        Assert.Equal(new long[] { 3_50, 2_50, 3_50, 2_50, 0, 0 }, charged.Select(c => c.Cents));
        Assert.Equal((6_00L, 6_00L), (charged.Where(c => c.Day == new LocalDate(2026, 11, 26)).Sum(c => c.Cents),
            charged.Where(c => c.Day == new LocalDate(2026, 11, 25)).Sum(c => c.Cents)));
        Assert.Equal(new[] { new ServiceDaySpend(new LocalDate(2026, 11, 26), Money.FromCents(6_00)), new ServiceDaySpend(new LocalDate(2026, 11, 25), Money.FromCents(6_00)) },
            card.DaySpends);
    }

    [Fact]
    public void An_upload_older_than_the_cards_memory_is_recorded_at_zero_and_flagged()
    {
        var card = TestScheme.NewCard(100_00);
        for (var day = 0; day <= Card.CapMemoryDays; day++)
        {
            var at = TestScheme.InParis(2026, 11, 10 + day, 9);
            card = card.Evolve(Assert.IsType<TapDecision.Authorized>(TapDecisions.Decide(card, Scheme, TestScheme.TapAt("parking", at), at)).Event);
        }
        Assert.Equal((Card.CapMemoryDays, new LocalDate(2026, 11, 10)), (card.DaySpends.Count, card.SpendForgottenThrough!.Value));

        var outcome = OfflineTapDecisions.Decide(card, Scheme, TestScheme.TapAt("parking", TestScheme.InParis(2026, 11, 10, 18)));

        var charge = Assert.IsType<FareCharged>(Assert.Single(outcome.Events));
        Assert.Equal((0L, 1_50L, true, "cap-memory-lapsed"), (charge.Amount.Cents, charge.Price.CapTookOff.Cents, charge.Price.CapMemoryLapsed, outcome.Flags.Code));
        Assert.Equal(card.DaySpends, card.Evolve(charge).DaySpends);
    }

    [Fact]
    public void An_offline_overdraft_counts_toward_the_cap_in_full_charged_and_owed()
    {
        var card = TestScheme.NewCard(1_00);
        var outcome = OfflineTapDecisions.Decide(card, Scheme, TestScheme.TapAt("pool", TestScheme.InParis(2026, 11, 25, 9)));
        card = outcome.Events.Aggregate(card, (c, e) => c.Evolve(e));
        Assert.Equal((3_50L, 2_50L), (card.SpentOn(new LocalDate(2026, 11, 25))!.Value.Cents, card.Debt.Cents));

        var second = OfflineTapDecisions.Decide(card, Scheme, TestScheme.TapAt("pool", TestScheme.InParis(2026, 11, 25, 10)));
        Assert.Equal(2_50, second.Charged.Cents);
    }

    [Fact]
    public void Events_recorded_before_the_cap_memory_still_fold()
    {
        // A FareCharged as stored before issue 20: no product id, no spent-before; it still counts for its day.
        var card = TestScheme.NewCard(10_00);
        var old = new FareCharged(card.Id, "pool", "pool-gate", 1, Money.FromCents(3_50), Money.FromCents(6_50), new LocalDate(2026, 11, 25),
            new PriceBreakdown("pool", TestScheme.Defined, Money.FromCents(3_50), null, 0, "HalfUp to the cent", Money.FromCents(3_50), Money.FromCents(6_00), Money.FromCents(3_50)),
            TestScheme.InParis(2026, 11, 25, 9), TestScheme.InParis(2026, 11, 25, 9));
        card = card.Evolve(old);
        Assert.Equal((6_50L, 3_50L, (LocalDate?)new LocalDate(2026, 11, 25)), (card.Balance.Cents, card.SpentOnCapDay.Cents, card.CapDay));
    }
}
