using CityPass.Domain.Cards;
using CityPass.Domain.Payments;
using CsCheck;
using NodaTime;

namespace CityPass.Domain.Tests.Payments;

public class ReloadDecisionsTests
{
    private static readonly MoneyLimits Limits = new(Money.FromCents(100_00), Money.FromCents(50_00), Money.FromCents(150_00));

    // 25 November 2026, 18:00 in Rennes.
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 25, 17, 0);

    private const string Pi = "pi_test_1";

    private static Card CardWith(long balanceCents)
    {
        var id = Guid.NewGuid();
        var card = Card.From(new CardIssued(id, "04A22B1C5D6E80", Now - Duration.FromDays(30)));
        return balanceCents > 0 ? card.Evolve(new ValueLoaded(id, Money.FromCents(balanceCents), LoadSource.Admin, "k", Money.FromCents(balanceCents), Now)) : card;
    }

    /// <summary>A reload of <paramref name="cents"/> reserved on the card and awaiting payment, as StartReload leaves it.</summary>
    private static (Reload Reload, Card Card) Started(Card card, long cents)
    {
        var reloadId = Guid.NewGuid();
        var (reserved, refusal) = CardDecisions.Decide(card, new ReserveReload(reloadId, Money.FromCents(cents)), Limits, Now);
        Assert.Null(refusal);
        var reload = Reload.From(new ReloadRequested(reloadId, card.Id, "account-1", Money.FromCents(cents), "eur", "stripe", Now))
            .Evolve(new PaymentIntentCreated(reloadId, Pi, "secret", Now));
        return (reload, card.Evolve(reserved!));
    }

    private static (Reload Reload, Card Card) Apply((Reload Reload, Card Card) state, PaymentFact fact)
    {
        var reload = ReloadDecisions.Decide(state.Reload, fact, Now).Aggregate(state.Reload, (r, e) => r.Evolve(e));
        var settlement = ReloadDecisions.Settle(reload, state.Card, Limits, Now);
        return (settlement.ReloadEvents.Aggregate(reload, (r, e) => r.Evolve(e)), settlement.CardEvents.Aggregate(state.Card, (c, e) => c.Evolve(e)));
    }

    private static PaymentFact Paid(long cents, string currency = "eur") => new PaymentFact.Succeeded(Pi, "evt_paid", Money.FromCents(cents), currency);

    [Fact]
    public void Reloads_in_flight_count_toward_the_ceiling()
    {
        var (_, card) = Started(CardWith(100_00), 40_00);

        var (_, refusal) = CardDecisions.Decide(card, new ReserveReload(Guid.NewGuid(), Money.FromCents(10_01)), Limits, Now);
        var (fits, _) = CardDecisions.Decide(card, new ReserveReload(Guid.NewGuid(), Money.FromCents(10_00)), Limits, Now);
        var (_, adminRefusal) = CardDecisions.Decide(card, new LoadValue(Money.FromCents(10_01), LoadSource.Admin, "k2"), Limits, Now);

        Assert.Equal("balance-ceiling", refusal!.Code);
        Assert.NotNull(fits);
        Assert.Equal("balance-ceiling", adminRefusal!.Code);
    }

    [Fact]
    public void A_confirmed_success_credits_once_and_releases_the_reservation()
    {
        var state = Started(CardWith(10_00), 20_00);

        state = Apply(state, Paid(20_00));
        var again = Apply(state, Paid(20_00));

        Assert.Equal(ReloadStatus.Credited, state.Reload.Status);
        Assert.Equal((30_00L, 0L), (state.Card.Balance.Cents, state.Card.Reserved.Cents));
        Assert.Equal(state, again);
    }

    [Theory]
    [InlineData(20_01, "eur", ReloadFlag.AmountMismatch)]
    [InlineData(20_00, "EUR", null)]
    [InlineData(20_00, "gbp", ReloadFlag.CurrencyMismatch)]
    public void A_confirmation_that_differs_is_flagged_and_not_credited(long cents, string currency, ReloadFlag? flag)
    {
        var state = Apply(Started(CardWith(0), 20_00), Paid(cents, currency));

        if (flag is null)
        {
            Assert.Equal(ReloadStatus.Credited, state.Reload.Status);
            return;
        }
        Assert.Equal((ReloadStatus.NeedsReview, flag.Value), (state.Reload.Status, Assert.Single(state.Reload.Flags)));
        Assert.Equal((0L, 0L), (state.Card.Balance.Cents, state.Card.Reserved.Cents));
    }

    [Fact]
    public void A_success_after_the_reservation_was_released_is_credited_past_the_ceiling_and_flagged()
    {
        var state = Started(CardWith(100_00), 50_00);
        state = Apply(state, new PaymentFact.Failed(Pi, "evt_failed", "declined"));
        var (loaded, _) = CardDecisions.Decide(state.Card, new LoadValue(Money.FromCents(20_00), LoadSource.Admin, "k3"), Limits, Now);
        state = (state.Reload, state.Card.Evolve(loaded!));

        state = Apply(state, Paid(50_00));

        Assert.Equal(170_00, state.Card.Balance.Cents);
        Assert.Equal([ReloadFlag.OverCeiling], state.Reload.Flags);
        Assert.Equal(ReloadStatus.Credited, state.Reload.Status);
    }

    [Fact]
    public void An_unpaid_reload_expires_after_the_given_time_and_its_cancellation_releases_the_reservation()
    {
        var (reload, card) = Started(CardWith(100_00), 40_00);
        var expiry = Duration.FromHours(24);

        Assert.False(ReloadDecisions.HasExpired(reload, expiry, Now + Duration.FromHours(23)));
        Assert.True(ReloadDecisions.HasExpired(reload, expiry, Now + expiry));

        var canceled = ReloadDecisions.Cancel(reload, "expired", Now + expiry).Aggregate(reload, (r, e) => r.Evolve(e));
        var settlement = ReloadDecisions.Settle(canceled, card, Limits, Now + expiry);

        Assert.Equal((ReloadStatus.Canceled, "expired"), (canceled.Status, canceled.FailureReason));
        Assert.Equal(Money.Zero, settlement.CardEvents.Aggregate(card, (c, e) => c.Evolve(e)).Reserved);
        Assert.Empty(ReloadDecisions.Cancel(canceled, "expired", Now + expiry));
        Assert.False(ReloadDecisions.HasExpired(canceled, expiry, Now + expiry));
    }

    [Fact]
    public void A_reload_never_sent_to_the_provider_is_abandoned_and_a_paid_one_is_not_canceled()
    {
        var requested = Reload.From(
            new ReloadRequested(Guid.NewGuid(), Guid.NewGuid(), "account-1", Money.FromCents(10_00), "eur", "stripe", Now));
        var (started, card) = Started(CardWith(0), 10_00);
        var (paid, _) = Apply((started, card), Paid(10_00));

        Assert.IsType<ReloadAbandoned>(Assert.Single(ReloadDecisions.Cancel(requested, "expired", Now)));
        Assert.Empty(ReloadDecisions.Cancel(paid, "expired", Now));
        Assert.False(ReloadDecisions.HasExpired(paid, Duration.Zero, Now));
    }

    [Fact]
    public void A_payment_that_succeeds_after_the_reload_expired_is_credited_and_flagged_past_the_ceiling()
    {
        var state = Started(CardWith(100_00), 40_00);
        var canceled = ReloadDecisions.Cancel(state.Reload, "expired", Now).Aggregate(state.Reload, (r, e) => r.Evolve(e));
        var card = ReloadDecisions.Settle(canceled, state.Card, Limits, Now).CardEvents.Aggregate(state.Card, (c, e) => c.Evolve(e));
        card = card.Evolve(new ValueLoaded(card.Id, Money.FromCents(30_00), LoadSource.Admin, "k2", Money.FromCents(130_00), Now));

        var (reload, credited) = Apply((canceled, card), Paid(40_00));

        Assert.Equal(ReloadStatus.Credited, reload.Status);
        Assert.Equal(Money.FromCents(170_00), credited.Balance);
        Assert.Contains(ReloadFlag.OverCeiling, reload.Flags);
    }

    [Fact]
    public void Value_refunded_after_it_was_spent_becomes_a_debt_that_blocks_the_card_until_a_reload_pays_it()
    {
        var state = Apply(Started(CardWith(0), 20_00), Paid(20_00));
        var spent = Money.FromCents(18_00); // a purchase or fares: value gone from the balance
        var price = new Domain.Schemes.PriceBreakdown("t", Now, spent, null, 0, "HalfUp to the cent", spent, null, spent);
        state = (state.Reload, state.Card.Evolve(new FareCharged(state.Card.Id, "pool", "gate", 1, spent, state.Card.Balance - spent,
            new NodaTime.LocalDate(2026, 11, 25), price, Now, Now)));

        state = Apply(state, new PaymentFact.Refunded(Pi, "evt_refund", Money.FromCents(20_00), "eur"));

        Assert.Equal((0L, 18_00L, CardStatus.Blocked, CardDecisions.DebtBlockReason),
            (state.Card.Balance.Cents, state.Card.Debt.Cents, state.Card.Status, state.Card.BlockReason));

        var credit = CardDecisions.Decide(state.Card, new CreditReload(Guid.NewGuid(), Money.FromCents(10_00), LoadSource.Stripe, "pi_2"), Limits, Now);
        var partly = credit.Events.Aggregate(state.Card, (c, e) => c.Evolve(e));
        Assert.Equal((0L, 8_00L, CardStatus.Blocked), (partly.Balance.Cents, partly.Debt.Cents, partly.Status));

        credit = CardDecisions.Decide(partly, new CreditReload(Guid.NewGuid(), Money.FromCents(10_00), LoadSource.Stripe, "pi_3"), Limits, Now);
        var settled = credit.Events.Aggregate(partly, (c, e) => c.Evolve(e));
        Assert.Equal((2_00L, 0L, CardStatus.Active), (settled.Balance.Cents, settled.Debt.Cents, settled.Status));
    }

    [Fact]
    public void A_card_blocked_as_lost_stays_blocked_when_its_debt_is_settled()
    {
        var card = CardWith(0);
        card = card.Evolve(new CardBlocked(card.Id, "lost", Now));
        card = CardDecisions.Decide(card, new ReclaimValue(Money.FromCents(5_00), "payment refunded", Pi), Now).Aggregate(card, (c, e) => c.Evolve(e));
        Assert.Equal(("lost", 5_00L), (card.BlockReason, card.Debt.Cents));

        var credit = CardDecisions.Decide(card, new CreditReload(Guid.NewGuid(), Money.FromCents(10_00), LoadSource.Stripe, "pi_2"), Limits, Now);
        var after = credit.Events.Aggregate(card, (c, e) => c.Evolve(e));

        Assert.Equal((5_00L, 0L, CardStatus.Blocked, "lost"), (after.Balance.Cents, after.Debt.Cents, after.Status, after.BlockReason));
    }

    [Fact]
    public void Any_order_and_any_repetition_of_the_facts_ends_in_the_same_state()
    {
        PaymentFact[] facts =
        [
            Paid(20_00),
            new PaymentFact.Refunded(Pi, "evt_r1", Money.FromCents(5_00), "eur"),
            new PaymentFact.Refunded(Pi, "evt_r2", Money.FromCents(8_00), "eur"),
            new PaymentFact.DisputeOpened(Pi, "evt_d1", "dp_1", Money.FromCents(12_00), "eur"),
            new PaymentFact.DisputeClosed(Pi, "evt_d2", "dp_1", Money.FromCents(12_00), "eur", "lost"),
            new PaymentFact.Failed(Pi, "evt_f", "declined"),
        ];
        var start = Started(CardWith(3_00), 20_00);
        var expected = facts.Aggregate(start, Apply);

        Gen.Int[0, facts.Length - 1].Array[1, 20].Sample(picks =>
        {
            // Every fact at least once, in a random order, some repeated.
            var order = picks.Select(i => facts[i]).Concat(facts).OrderBy(_ => Random.Shared.Next()).ToList();
            var end = order.Aggregate(start, Apply);
            return (end.Card.Balance, end.Card.Debt, end.Reload.Credited, end.Reload.TakenBack, end.Reload.Status)
                == (expected.Card.Balance, expected.Card.Debt, expected.Reload.Credited, expected.Reload.TakenBack, expected.Reload.Status);
        }, iter: 300);

        Assert.Equal((3_00L, 0L, 20_00L, 20_00L), (expected.Card.Balance.Cents, expected.Card.Debt.Cents, expected.Reload.Credited.Cents, expected.Reload.TakenBack.Cents));
    }
}
