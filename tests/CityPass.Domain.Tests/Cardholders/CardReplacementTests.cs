using CityPass.Domain.Cardholders;
using CityPass.Domain.Cards;
using NodaTime;

namespace CityPass.Domain.Tests.Cardholders;

public class CardReplacementTests
{
    private static readonly Instant Now = TestScheme.InParis(2026, 11, 25, 10);
    private static readonly Guid ReplacementId = Guid.NewGuid();

    private static Card Blocked(Card card) => card.Evolve(new CardBlocked(card.Id, "lost", Now));

    [Fact]
    public void A_card_is_replaced_once_the_process_id_follows_from_the_lost_cards()
    {
        var lost = Guid.NewGuid();
        Assert.Equal(CardReplacement.IdFor(lost), CardReplacement.IdFor(lost));
        Assert.NotEqual(CardReplacement.IdFor(lost), CardReplacement.IdFor(Guid.NewGuid()));
        Assert.NotEqual(lost, CardReplacement.IdFor(lost));
    }

    [Fact]
    public void Value_is_only_taken_off_a_blocked_card_and_all_of_it_leaves()
    {
        var card = TestScheme.NewCard(12_34);
        Assert.Throws<InvalidOperationException>(() => CardReplacementDecisions.MoveOut(card, ReplacementId, Guid.NewGuid(), Now));

        var moved = CardReplacementDecisions.MoveOut(Blocked(card), ReplacementId, Guid.NewGuid(), Now)!;
        var after = Blocked(card).Evolve(moved);
        Assert.Equal(12_34, moved.Holdings.Balance.Cents);
        Assert.Equal((0L, 0L), (after.Balance.Cents, after.Debt.Cents));
    }

    [Fact]
    public void A_moved_debt_is_paid_from_the_moved_balance_first_and_what_remains_blocks_the_replacement()
    {
        var replacement = TestScheme.NewCard(0);
        var covered = CardReplacementDecisions.MoveIn(replacement, ReplacementId, Guid.NewGuid(),
            new CardHoldings(Money.FromCents(10_00), Money.FromCents(4_00), [], []), Now);
        var afterCovered = covered.Aggregate(replacement, (c, e) => c.Evolve(e));
        Assert.Equal((6_00L, 0L, CardStatus.Active), (afterCovered.Balance.Cents, afterCovered.Debt.Cents, afterCovered.Status));

        var uncovered = CardReplacementDecisions.MoveIn(replacement, ReplacementId, Guid.NewGuid(),
            new CardHoldings(Money.FromCents(1_00), Money.FromCents(4_00), [], []), Now);
        var afterUncovered = uncovered.Aggregate(replacement, (c, e) => c.Evolve(e));
        Assert.Equal((0L, 3_00L, CardStatus.Blocked), (afterUncovered.Balance.Cents, afterUncovered.Debt.Cents, afterUncovered.Status));
        Assert.Equal(CardDecisions.DebtBlockReason, afterUncovered.BlockReason);
    }

    [Fact]
    public void The_process_steps_follow_the_recorded_events()
    {
        var id = Guid.NewGuid();
        var state = CardReplacement.From(new CardReplacementRequested(id, Guid.NewGuid(), null, "acct", "lost", Now));
        Assert.Equal(ReplacementStep.Requested, state.Step);
        state = state.Evolve(new ReplacedCardBlocked(id, state.OldCardId, 3, Now));
        Assert.Equal(ReplacementStep.AwaitingReplacement, state.Step);
        state = state.Evolve(new ReplacementCardAssigned(id, Guid.NewGuid(), Now));
        Assert.Equal(ReplacementStep.OldCardBlocked, state.Step);
        state = state.Evolve(new ReplacementValueMovedOut(id, state.OldCardId, 4, new CardHoldings(Money.FromCents(5), Money.Zero, [], []), Now));
        Assert.Equal(ReplacementStep.ValueMovedOut, state.Step);
        state = state.Evolve(new ReplacementValueMovedIn(id, state.NewCardId!.Value, Money.FromCents(5), Money.Zero, Now));
        Assert.Equal(ReplacementStep.ValueMovedIn, state.Step);
        Assert.Equal(ReplacementStep.Completed, state.Evolve(new CardReplacementCompleted(id, Now)).Step);
    }
}
