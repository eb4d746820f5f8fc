using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Tests.Cards;

public class TapDecisionsTests
{
    private static readonly Scheme Scheme = TestScheme.Build();

    // Wednesday 25 November 2026, 10:00 in Rennes: off-peak at the pool.
    private static readonly Instant WednesdayMorning = TestScheme.InParis(2026, 11, 25, 10);

    private static TapDecision Tap(Card card, string venue, Instant at, Scheme? scheme = null) =>
        TapDecisions.Decide(card, scheme ?? Scheme, TestScheme.TapAt(venue, at), at);

    private static Card Buy(Card card, string product, Instant at, LocalDate? start = null, Scheme? scheme = null)
    {
        var (bought, refusal) = CardDecisions.Decide(card, scheme ?? Scheme, new PurchaseProduct(Guid.NewGuid(), product, start, "k"), at);
        Assert.Null(refusal);
        return card.Evolve(bought!);
    }

    private static Card Grant(Card card, string profile, LocalDate from, LocalDate to, Instant at)
    {
        var (granted, refusal) = CardDecisions.Decide(card, Scheme, new GrantConcession(Guid.NewGuid(), profile, from, to, "CAF 2026-1"), at);
        Assert.Null(refusal);
        return card.Evolve(granted!);
    }

    private static (Card Card, TapDecision.Authorized Decision) Authorized(Card card, string venue, Instant at, Scheme? scheme = null)
    {
        var decision = Assert.IsType<TapDecision.Authorized>(Tap(card, venue, at, scheme));
        return (card.Evolve(decision.Event), decision);
    }

    private static TapDecision.Declined Declined(Card card, string venue, Instant at) =>
        Assert.IsType<TapDecision.Declined>(Tap(card, venue, at));

    [Fact]
    public void Stored_value_pays_the_venues_fare_and_records_how_it_was_priced()
    {
        var (card, decision) = Authorized(TestScheme.NewCard(10_00), "pool", WednesdayMorning);

        var charge = Assert.IsType<FareCharged>(decision.Event);
        Assert.Equal((3_50L, 6_50L, "StoredValue", "payg"), (charge.Amount.Cents, charge.BalanceAfter.Cents, decision.RightUsed, decision.ProductId!));
        Assert.Equal(("pool", 3_50L, 0, new LocalDate(2026, 11, 25)), (charge.Price.TariffId, charge.Price.Base.Cents, charge.Price.ReductionPercent, charge.ServiceDate));
        Assert.Equal(6_50, card.Balance.Cents);
    }

    [Fact]
    public void A_weekday_evening_is_priced_by_the_more_specific_peak_tariff() =>
        Assert.Equal(4_00, Authorized(TestScheme.NewCard(10_00), "pool", TestScheme.InParis(2026, 11, 25, 18)).Decision.Charged.Cents);

    [Fact]
    public void The_exact_balance_can_be_spent_but_not_a_cent_more()
    {
        Assert.Equal(0, Authorized(TestScheme.NewCard(3_50), "pool", WednesdayMorning).Card.Balance.Cents);
        var declined = Declined(TestScheme.NewCard(3_49), "pool", WednesdayMorning);
        Assert.Equal((DeclineReason.InsufficientFunds, 3_49L), (declined.Reason, declined.Balance!.Value.Cents));
    }

    [Fact]
    public void A_blocked_card_is_declined_whatever_it_holds()
    {
        var card = TestScheme.NewCard(50_00);
        card = card.Evolve(new CardBlocked(card.Id, "stolen", WednesdayMorning));
        var declined = Declined(card, "pool", WednesdayMorning);
        Assert.Equal(DeclineReason.CardBlocked, declined.Reason);
        Assert.Contains("stolen", declined.Message);
    }

    [Fact]
    public void A_venue_is_closed_outside_its_opening_hours() =>
        Assert.Equal(DeclineReason.VenueClosed, Declined(TestScheme.NewCard(10_00), "pool", TestScheme.InParis(2026, 11, 25, 22, 30)).Reason);

    [Fact]
    public void An_unknown_venue_is_declined() =>
        Assert.Equal(DeclineReason.UnknownVenue, Declined(TestScheme.NewCard(10_00), "atlantis", WednesdayMorning).Reason);

    [Fact]
    public void A_concession_of_85_percent_pays_the_rounded_fifteen_percent()
    {
        var card = Grant(TestScheme.NewCard(10_00), "sortir-85", new LocalDate(2026, 11, 1), new LocalDate(2027, 10, 31), WednesdayMorning);
        var charge = Assert.IsType<FareCharged>(Authorized(card, "parking", WednesdayMorning).Decision.Event);
        // 15 % of 1.50 EUR is 0.225 EUR: half up to the cent, 0.23.
        Assert.Equal((23L, 1_50L, 85, "sortir-85", "HalfUp to the cent"),
            (charge.Amount.Cents, charge.Price.Base.Cents, charge.Price.ReductionPercent, charge.Price.ProfileId!, charge.Price.Rounding));
    }

    [Fact]
    public void An_expired_concession_falls_back_to_full_price()
    {
        var card = Grant(TestScheme.NewCard(10_00), "sortir-85", new LocalDate(2026, 11, 1), new LocalDate(2026, 11, 25), WednesdayMorning);
        Assert.Equal(23, Authorized(card, "parking", TestScheme.InParis(2026, 11, 25, 23, 59)).Decision.Charged.Cents);
        Assert.Equal(1_50, Authorized(card, "parking", TestScheme.InParis(2026, 11, 26, 0, 0)).Decision.Charged.Cents);
    }

    [Fact]
    public void The_largest_concession_in_force_applies()
    {
        var card = Grant(TestScheme.NewCard(10_00), "sortir-50", new LocalDate(2026, 11, 1), new LocalDate(2027, 10, 31), WednesdayMorning);
        card = Grant(card, "sortir-100", new LocalDate(2026, 11, 1), new LocalDate(2027, 10, 31), WednesdayMorning);
        Assert.Equal(0, Authorized(card, "parking", WednesdayMorning).Decision.Charged.Cents);
    }

    [Fact]
    public void The_standard_daily_cap_is_reached_mid_day_and_further_taps_are_authorized_at_zero()
    {
        var card = TestScheme.NewCard(20_00);
        var charged = new List<long>();
        foreach (var hour in new[] { 9, 11, 13, 15 })
        {
            (card, var decision) = Authorized(card, "pool", TestScheme.InParis(2026, 11, 25, hour));
            charged.Add(decision.Charged.Cents);
        }
        Assert.Equal(new long[] { 3_50, 2_50, 0, 0 }, charged);
        Assert.Equal(14_00, card.Balance.Cents);
        var capped = Assert.IsType<FareCharged>(Tap(card, "pool", TestScheme.InParis(2026, 11, 25, 16)) is TapDecision.Authorized a ? a.Event : null);
        Assert.Equal((3_50L, 6_00L, 0L), (capped.Price.Reduced.Cents, capped.Price.DailyCap!.Value.Cents, capped.Amount.Cents));
    }

    [Fact]
    public void The_cap_counts_by_service_day_so_a_tap_before_the_cut_off_is_still_yesterday()
    {
        var card = TestScheme.NewCard(20_00);
        (card, _) = Authorized(card, "parking", TestScheme.InParis(2026, 11, 27, 20));
        for (var i = 0; i < 3; i++)
            (card, _) = Authorized(card, "parking", TestScheme.InParis(2026, 11, 27, 21, i));
        Assert.Equal(6_00, card.SpentOnCapDay.Cents); // 4 x 1.50: the cap is reached on Friday's service day

        var (after, lateNight) = Authorized(card, "parking", TestScheme.InParis(2026, 11, 28, 1, 30));
        Assert.Equal((0L, new LocalDate(2026, 11, 27)), (lateNight.Charged.Cents, ((FareCharged)lateNight.Event).ServiceDate));

        var (_, nextMorning) = Authorized(after, "parking", TestScheme.InParis(2026, 11, 28, 4, 30));
        Assert.Equal(1_50, nextMorning.Charged.Cents);
    }

    [Fact]
    public void A_profile_cap_replaces_the_standard_cap()
    {
        var card = Grant(TestScheme.NewCard(20_00), "sortir-50", new LocalDate(2026, 11, 1), new LocalDate(2027, 10, 31), WednesdayMorning);
        var charged = new List<long>();
        foreach (var hour in new[] { 9, 10, 11, 12 })
        {
            (card, var decision) = Authorized(card, "pool", TestScheme.InParis(2026, 11, 25, hour));
            charged.Add(decision.Charged.Cents);
        }
        Assert.Equal(new long[] { 1_75, 1_25, 0, 0 }, charged); // 50 % of 3.50, capped at 3.00 a day
    }

    [Fact]
    public void A_tariff_change_prices_the_taps_after_it_and_not_those_before()
    {
        var change = TestScheme.InParis(2026, 11, 25, 12);
        var scheme = Scheme.Evolve(new TariffSet("parking", TestScheme.Tariff("payg", "parking", null, 2_00, from: change), WednesdayMorning));
        var card = TestScheme.NewCard(10_00);

        var (card2, before) = Authorized(card, "parking", change - Duration.FromSeconds(1), scheme);
        var (_, after) = Authorized(card2, "parking", change, scheme);

        Assert.Equal((1_50L, 2_00L), (before.Charged.Cents, after.Charged.Cents));
        Assert.Equal(TestScheme.Defined, ((FareCharged)before.Event).Price.TariffEffectiveFrom);
        Assert.Equal(change, ((FareCharged)after.Event).Price.TariffEffectiveFrom);
    }

    [Fact]
    public void A_withdrawn_tariff_leaves_the_venue_without_a_fare()
    {
        var scheme = Scheme.Evolve(new TariffSet("parking", TestScheme.Tariff("payg", "parking", null, 0, from: WednesdayMorning) with { PriceCents = null }, WednesdayMorning));
        Assert.Equal(DeclineReason.NoValidRight, Assert.IsType<TapDecision.Declined>(Tap(TestScheme.NewCard(10_00), "parking", WednesdayMorning, scheme)).Reason);
    }

    [Fact]
    public void A_carnet_entry_is_used_before_stored_value_the_carnet_lapsing_first_first()
    {
        var card = Buy(TestScheme.NewCard(70_00), "swim-10", TestScheme.InParis(2026, 1, 10, 9));
        card = Buy(card, "swim-10", WednesdayMorning);
        var (after, decision) = Authorized(card, "pool", WednesdayMorning);
        Assert.Equal(("Carnet", 9, new LocalDate(2027, 1, 9), 0L), (decision.RightUsed, decision.EntriesLeft!.Value, decision.ValidUntil!.Value, decision.Charged.Cents));
        Assert.Equal(10_00, after.Balance.Cents);
        Assert.Equal(new int?[] { 9, 10 }, after.Rights.Select(r => r.EntriesLeft));
    }

    [Fact]
    public void An_empty_carnet_says_so_where_the_venue_takes_no_stored_value()
    {
        var scheme = Scheme.Evolve(new TariffSet("pool", TestScheme.Tariff("payg", "pool", null, 0, from: WednesdayMorning) with { PriceCents = null }, WednesdayMorning))
            .Evolve(new TariffSet("pool-evening", TestScheme.Tariff("payg", "pool", null, 0, from: WednesdayMorning) with { PriceCents = null }, WednesdayMorning));
        var card = Buy(TestScheme.NewCard(30_00), "swim-10", WednesdayMorning, scheme: scheme);
        for (var i = 0; i < 10; i++)
            (card, _) = Authorized(card, "pool", WednesdayMorning, scheme);
        Assert.Equal(DeclineReason.NoEntriesLeft, Assert.IsType<TapDecision.Declined>(Tap(card, "pool", WednesdayMorning, scheme)).Reason);
    }

    [Theory]
    [InlineData(2027, 3, 28)]  // spring: the last day has 23 hours
    [InlineData(2027, 10, 31)] // autumn: the last day has 25 hours
    public void A_pass_ending_on_a_clock_change_day_ends_at_local_midnight(int year, int month, int day)
    {
        var scheme = Scheme
            .Evolve(new ProductDefined(new Product("parking-week", ProductKind.PeriodPass, "Parking week", ["parking"], Validity: Period.FromDays(7)), TestScheme.Defined))
            .Evolve(new TariffSet("parking-week", TestScheme.Tariff("parking-week", null, null, 15_00), TestScheme.Defined));
        var lastDay = new LocalDate(year, month, day);
        var card = Buy(TestScheme.NewCard(100_00), "parking-week", WednesdayMorning, lastDay.PlusDays(-6), scheme);
        Assert.Equal(lastDay, Assert.Single(card.Rights).ValidTo);

        var lastMinute = Authorized(card, "parking", TestScheme.InParis(year, month, day, 23, 59), scheme).Decision;
        Assert.Equal(("PeriodPass", 0L), (lastMinute.RightUsed, lastMinute.Charged.Cents));

        // Local midnight, whatever the offset that day: stored value pays again.
        var midnight = lastDay.PlusDays(1).AtStartOfDayInZone(TestScheme.Paris).ToInstant();
        Assert.Equal(("StoredValue", 1_50L), (Authorized(card, "parking", midnight, scheme).Decision is var d ? (d.RightUsed, d.Charged.Cents) : default));
        Assert.Equal("PeriodPass", Authorized(card, "parking", midnight - Duration.FromTicks(1), scheme).Decision.RightUsed);
    }

    [Fact]
    public void A_pass_not_yet_started_is_outside_its_validity_where_no_fare_applies()
    {
        var card = Buy(TestScheme.NewCard(100_00), "library-membership", WednesdayMorning, new LocalDate(2026, 12, 1));
        var declined = Declined(card, "library", WednesdayMorning);
        Assert.Equal(DeclineReason.OutsideValidity, declined.Reason);
        Assert.Equal("FreeEntry", Authorized(card, "library", TestScheme.InParis(2026, 12, 1, 10)).Decision.RightUsed);
    }

    [Fact]
    public void An_event_ticket_opens_with_the_doors_once_and_closes_with_the_show()
    {
        var card = Buy(TestScheme.NewCard(30_00), "hamlet", WednesdayMorning);
        var doors = TestScheme.InParis(2026, 12, 12, 19, 30);

        Assert.Equal(DeclineReason.EventNotStarted, Declined(card, "theatre", doors - Duration.FromMinutes(1)).Reason);
        var (used, entry) = Authorized(card, "theatre", doors);
        Assert.Equal(("EventTicket", 0), (entry.RightUsed, entry.EntriesLeft!.Value));
        Assert.Equal(DeclineReason.AlreadyUsed, Declined(used, "theatre", doors + Duration.FromMinutes(5)).Reason);
        Assert.Equal(DeclineReason.EventOver, Declined(card, "theatre", TestScheme.InParis(2026, 12, 12, 22, 46)).Reason);
    }

    [Fact]
    public void The_precedence_is_ticket_then_free_entry_then_pass_then_carnet_then_stored_value()
    {
        var scheme = Scheme.Evolve(new ProductDefined(new Product("pool-pass", ProductKind.PeriodPass, "Pool pass", ["pool"], Validity: Period.FromMonths(1)), WednesdayMorning))
            .Evolve(new TariffSet("pool-pass", TestScheme.Tariff("pool-pass", null, null, 20_00), WednesdayMorning));
        var card = Buy(TestScheme.NewCard(60_00), "swim-10", WednesdayMorning, scheme: scheme);
        card = Buy(card, "pool-pass", WednesdayMorning, scheme: scheme);

        var decision = Authorized(card, "pool", WednesdayMorning, scheme).Decision;

        Assert.Equal(("PeriodPass", "pool-pass"), (decision.RightUsed, decision.ProductId!));
    }
}
