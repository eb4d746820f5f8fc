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
            card = card.Evolve(new ValueLoaded(id, Money.FromCents(balanceCents), new LoadSource("test"), "k", Money.FromCents(balanceCents), Now - Duration.FromDays(1)));
        if (status == CardStatus.Blocked)
            card = card.Evolve(new CardBlocked(id, "lost", Now - Duration.FromHours(1)));
        return card;
    }

    [Fact]
    public void A_load_over_the_stored_value_ceiling_is_refused()
    {
        var (loaded, refusal) = CardDecisions.Decide(CardWith(140_00), new LoadValue(Money.FromCents(10_01), LoadSource.Admin, "k1"), Limits, Now);
        Assert.Null(loaded);
        Assert.Equal("balance-ceiling", refusal!.Code);
    }

    [Fact]
    public void A_load_up_to_the_ceiling_is_accepted()
    {
        var (loaded, refusal) = CardDecisions.Decide(CardWith(140_00), new LoadValue(Money.FromCents(10_00), LoadSource.Admin, "k1"), Limits, Now);
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
        var scheme = TestScheme.Build();
        var operation = Gen.OneOf(
            Gen.Long[-100, 60_00].Select(c => (Load: true, Cents: c, Venue: "")),
            Gen.OneOf("pool", "parking", "library", "theatre").Select(v => (Load: false, Cents: 0L, Venue: v)));
        operation.List[0, 60].Sample(ops =>
        {
            var card = TestScheme.NewCard();
            long expected = 0;
            var at = TestScheme.InParis(2026, 11, 23, 8);
            foreach (var (load, cents, venue) in ops)
            {
                at += Duration.FromMinutes(47); // across several service days and both pool tariffs
                if (load)
                {
                    var (loaded, _) = CardDecisions.Decide(card, new LoadValue(Money.FromCents(cents), new LoadSource("test"), "k"), Limits, at);
                    if (loaded is null) continue;
                    card = card.Evolve(loaded);
                    expected += cents;
                }
                else if (TapDecisions.Decide(card, scheme, TestScheme.TapAt(venue, at), at) is TapDecision.Authorized a)
                {
                    card = card.Evolve(a.Event);
                    expected -= a.Charged.Cents;
                }
                if (card.Balance < Money.Zero || card.Balance > Limits.MaxBalance || card.Balance.Cents != expected || card.SpentOnCapDay.Cents > 6_00)
                    return false;
            }
            return true;
        });
    }
}
