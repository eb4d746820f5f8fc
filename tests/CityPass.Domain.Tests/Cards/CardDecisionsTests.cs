using CityPass.Domain.Cards;
using CsCheck;
using NodaTime;

namespace CityPass.Domain.Tests.Cards;

public class CardDecisionsTests
{
    private static readonly MoneyLimits Limits = new(Money.FromCents(100_00), Money.FromCents(50_00), Money.FromCents(150_00));

    // 25 November 2026, 18:00 in Rennes (UTC+1 in winter).
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 25, 17, 0);

    private static Card CardWith(long balanceCents, CardStatus status = CardStatus.Active)
    {
        var id = Guid.NewGuid();
        var card = Card.From(new CardIssued(id, "04A22B1C5D6E80", Now - Duration.FromDays(30)));
        if (balanceCents > 0)
            card = card.Evolve(new ValueLoaded(id, Money.FromCents(balanceCents), "test", "k", Money.FromCents(balanceCents), Now - Duration.FromDays(1)));
        if (status == CardStatus.Blocked)
            card = card.Evolve(new CardBlocked(id, "lost", Now - Duration.FromHours(1)));
        return card;
    }

    private static ChargeFare Fare(long cents) => new("piscine-brequigny", "pool-gate-1", 42, Money.FromCents(cents), Now - Duration.FromMilliseconds(80));

    [Fact]
    public void A_fare_the_balance_covers_is_charged_and_records_the_balance_after()
    {
        var card = CardWith(10_00);
        var decision = Assert.IsType<TapDecision.Authorized>(CardDecisions.Decide(card, Fare(3_50), Limits, Now));
        Assert.Equal(Money.FromCents(3_50), decision.Charge.Amount);
        Assert.Equal(Money.FromCents(6_50), decision.Charge.BalanceAfter);
        Assert.Equal(("piscine-brequigny", "pool-gate-1", 42L), (decision.Charge.VenueId, decision.Charge.TerminalId, decision.Charge.TerminalSequence));
        Assert.Equal(Now, decision.Charge.ChargedAt);
        Assert.Equal(Money.FromCents(6_50), card.Evolve(decision.Charge).Balance);
    }

    [Fact]
    public void The_exact_balance_can_be_spent()
    {
        var decision = Assert.IsType<TapDecision.Authorized>(CardDecisions.Decide(CardWith(3_50), Fare(3_50), Limits, Now));
        Assert.Equal(Money.Zero, decision.Charge.BalanceAfter);
    }

    [Fact]
    public void A_fare_over_the_balance_is_declined_with_the_balance()
    {
        var declined = Assert.IsType<TapDecision.Declined>(CardDecisions.Decide(CardWith(3_49), Fare(3_50), Limits, Now));
        Assert.Equal(DeclineReason.InsufficientFunds, declined.Reason);
        Assert.Equal(Money.FromCents(3_49), declined.Balance);
    }

    [Fact]
    public void A_blocked_card_is_declined_whatever_its_balance()
    {
        var declined = Assert.IsType<TapDecision.Declined>(CardDecisions.Decide(CardWith(50_00, CardStatus.Blocked), Fare(1_00), Limits, Now));
        Assert.Equal(DeclineReason.CardBlocked, declined.Reason);
        Assert.Contains("lost", declined.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-100)]
    [InlineData(50_01)]
    public void An_invalid_fare_is_declined_as_an_invalid_request(long cents)
    {
        var declined = Assert.IsType<TapDecision.Declined>(CardDecisions.Decide(CardWith(100_00), Fare(cents), Limits, Now));
        Assert.Equal(DeclineReason.InvalidRequest, declined.Reason);
    }

    [Fact]
    public void A_load_over_the_stored_value_ceiling_is_refused()
    {
        var (loaded, refusal) = CardDecisions.Decide(CardWith(140_00), new LoadValue(Money.FromCents(10_01), "admin", "k1"), Limits, Now);
        Assert.Null(loaded);
        Assert.Equal("balance-ceiling", refusal!.Code);
    }

    [Fact]
    public void A_load_up_to_the_ceiling_is_accepted()
    {
        var (loaded, refusal) = CardDecisions.Decide(CardWith(140_00), new LoadValue(Money.FromCents(10_00), "admin", "k1"), Limits, Now);
        Assert.Null(refusal);
        Assert.Equal(Money.FromCents(150_00), loaded!.BalanceAfter);
        Assert.Equal("k1", loaded.IdempotencyKey);
    }

    [Fact]
    public void Blocking_twice_records_one_block_and_keeps_the_first_reason()
    {
        var card = CardWith(10_00);
        var blocked = CardDecisions.Decide(card, new BlockCard("lost"), Now)!;
        card = card.Evolve(blocked);
        Assert.Null(CardDecisions.Decide(card, new BlockCard("stolen"), Now));
        Assert.Equal("lost", card.BlockReason);

        var unblocked = CardDecisions.Decide(card, new UnblockCard("found"), Now)!;
        card = card.Evolve(unblocked);
        Assert.Equal(CardStatus.Active, card.Status);
        Assert.Null(CardDecisions.Decide(card, new UnblockCard("again"), Now));
    }

    [Fact]
    public void Whatever_the_taps_and_loads_the_balance_never_goes_below_zero_and_adds_up()
    {
        var operation = Gen.OneOf(
            Gen.Long[-100, 60_00].Select(c => (Load: true, Cents: c)),
            Gen.Long[-100, 60_00].Select(c => (Load: false, Cents: c)));
        operation.List[0, 60].Sample(ops =>
        {
            var card = CardWith(0);
            long expected = 0;
            var sequence = 0L;
            foreach (var (load, cents) in ops)
            {
                if (load)
                {
                    var (loaded, _) = CardDecisions.Decide(card, new LoadValue(Money.FromCents(cents), "test", $"k{sequence++}"), Limits, Now);
                    if (loaded is null) continue;
                    card = card.Evolve(loaded);
                    expected += cents;
                }
                else if (CardDecisions.Decide(card, Fare(cents) with { TerminalSequence = sequence++ }, Limits, Now) is TapDecision.Authorized a)
                {
                    card = card.Evolve(a.Charge);
                    expected -= cents;
                }
                if (card.Balance < Money.Zero || card.Balance > Limits.MaxBalance || card.Balance.Cents != expected)
                    return false;
            }
            return true;
        });
    }
}
