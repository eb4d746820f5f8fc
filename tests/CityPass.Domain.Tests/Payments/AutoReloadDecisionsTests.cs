using CityPass.Domain.Cards;
using CityPass.Domain.Payments.AutoReloads;
using NodaTime;

namespace CityPass.Domain.Tests.Payments;

public class AutoReloadDecisionsTests
{
    private static readonly MoneyLimits Limits = new(Money.FromCents(100_00), Money.FromCents(50_00), Money.FromCents(150_00));
    private static readonly AutoReloadLimits AutoLimits = new(Money.FromCents(40_00), Money.FromCents(60_00));
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 25, 17, 0);

    private static Card CardWith(long balanceCents)
    {
        var id = Guid.NewGuid();
        return Card.From(new CardIssued(id, "04A22B1C5D6E80", Now - Duration.FromDays(30)))
            .Evolve(new ValueLoaded(id, Money.FromCents(balanceCents), LoadSource.Admin, "k", Money.FromCents(balanceCents), Now));
    }

    /// <summary>A charge took the card's balance down from 6.00, over the 5.00 threshold, to what it holds now.</summary>
    private static (AutoReloadTriggered? Triggered, string? Refusal) Crossing(AutoReload auto, Card card, Instant? at = null) =>
        AutoReloadDecisions.OnCharge(auto, card, Money.FromCents(6_00), Guid.NewGuid(), Limits, AutoLimits, at ?? Now);

    private static AutoReload Ended(AutoReload auto, Guid reloadId, string? failure = null) =>
        AutoReloadDecisions.OnReloadEnded(auto, reloadId, failure, Now).Aggregate(auto, (a, e) => a.Evolve(e));

    private static AutoReload SetUp(Card card) =>
        AutoReload.From(new AutoReloadSetUp(card.Id, "account-1", "pm_1", Money.FromCents(5_00), Money.FromCents(20_00), Now));

    [Fact]
    public void A_charge_that_crosses_the_threshold_triggers_one_reload_and_none_while_it_is_in_flight()
    {
        var card = CardWith(4_00);
        var auto = SetUp(card);
        var id = AutoReloadDecisions.ReloadIdFor(card.Id, 7);

        var (triggered, _) = AutoReloadDecisions.OnCharge(auto, card, Money.FromCents(5_50), id, Limits, AutoLimits, Now);
        var (notCrossing, quiet) = AutoReloadDecisions.OnCharge(auto, card, Money.FromCents(4_50), id, Limits, AutoLimits, Now);
        auto = auto.Evolve(triggered!);
        var (again, refusal) = Crossing(auto, card);

        Assert.Equal((id, 20_00L), (triggered!.ReloadId, triggered.Amount.Cents));
        Assert.Equal(id, AutoReloadDecisions.ReloadIdFor(card.Id, 7));
        Assert.NotEqual(id, AutoReloadDecisions.ReloadIdFor(card.Id, 8));
        Assert.Equal((null, null), (notCrossing, quiet));
        Assert.Null(again);
        Assert.Contains("in flight", refusal);
    }

    [Fact]
    public void The_ceiling_with_reloads_in_flight_and_the_daily_and_monthly_limits_hold()
    {
        var card = CardWith(4_00).Evolve(new ReloadReserved(Guid.Empty, Guid.NewGuid(), Money.FromCents(130_00), Now));
        var (overCeiling, ceiling) = Crossing(SetUp(card), card);
        Assert.Null(overCeiling);
        Assert.Contains("ceiling", ceiling);

        var fresh = CardWith(4_00);
        var auto = SetUp(fresh);
        for (var i = 0; i < 2; i++)
        {
            var (t, _) = Crossing(auto, fresh, Now + Duration.FromHours(i));
            auto = auto.Evolve(t!);
            auto = Ended(auto, t!.ReloadId);
        }
        var (daily, dailyRefusal) = Crossing(auto, fresh, Now + Duration.FromHours(3));
        Assert.Null(daily);
        Assert.Contains("daily", dailyRefusal);

        var (t3, _) = Crossing(auto, fresh, Now + Duration.FromDays(2));
        auto = Ended(auto.Evolve(t3!), t3!.ReloadId);
        var (monthly, monthlyRefusal) = Crossing(auto, fresh, Now + Duration.FromDays(4));
        Assert.Null(monthly);
        Assert.Contains("monthly", monthlyRefusal);
        Assert.NotNull(Crossing(auto, fresh, Now + Duration.FromDays(31)).Triggered);
    }

    [Theory]
    [InlineData("authentication_required")]
    [InlineData("card_declined")]
    public void A_failed_off_session_payment_stops_automatic_reloading_until_it_is_set_up_again(string code)
    {
        var card = CardWith(4_00);
        var auto = SetUp(card);
        var (triggered, _) = Crossing(auto, card);
        auto = auto.Evolve(triggered!);

        auto = Ended(auto, triggered!.ReloadId, code);

        Assert.Equal((AutoReloadStatus.Stopped, code, (Guid?)null), (auto.Status, auto.StoppedReason, auto.InFlight));
        Assert.Null(Crossing(auto, card).Triggered);
        Assert.Empty(AutoReloadDecisions.OnReloadEnded(auto, triggered.ReloadId, code, Now));
        auto = auto.Evolve(new AutoReloadSetUp(card.Id, "account-1", "pm_2", Money.FromCents(5_00), Money.FromCents(20_00), Now));
        Assert.NotNull(Crossing(auto, card).Triggered);
    }

    [Fact]
    public void Paused_or_removed_automatic_reloading_triggers_nothing()
    {
        var card = CardWith(4_00);
        var paused = SetUp(card).Evolve(new AutoReloadPaused(card.Id, Now));
        var removed = SetUp(card).Evolve(new AutoReloadRemoved(card.Id, "pm_1", Now));

        Assert.Null(Crossing(paused, card).Triggered);
        Assert.Null(Crossing(removed, card).Triggered);
        Assert.NotNull(Crossing(paused.Evolve(new AutoReloadResumed(card.Id, Now)), card).Triggered);
    }
}
