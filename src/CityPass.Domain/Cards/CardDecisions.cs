using NodaTime;

namespace CityPass.Domain.Cards;

// Commands to a card, and the pure decisions that answer them: (state, command, now) -> events or a refusal.

public sealed record ChargeFare(string VenueId, string TerminalId, long TerminalSequence, Money Fare, Instant TerminalTime);

public sealed record LoadValue(Money Amount, string Source, string IdempotencyKey);

public sealed record BlockCard(string Reason);

public sealed record UnblockCard(string Reason);

/// <summary>Hold room under the stored-value ceiling for an online reload about to be paid.</summary>
public sealed record ReserveReload(Guid ReloadId, Money Amount);

/// <summary>Credit a paid online reload. <paramref name="PaymentReference"/> (the PaymentIntent id) is the load's idempotency key.</summary>
public sealed record CreditReload(Guid ReloadId, Money Amount, string Source, string PaymentReference);

public sealed record ReleaseReload(Guid ReloadId, string Reason);

/// <summary>Take back value whose payment was refunded or lost in a dispute.</summary>
public sealed record ReclaimValue(Money Amount, string Reason, string Reference);

/// <param name="Events">What to append to the card stream, in order.</param>
/// <param name="OverCeiling">The credit took the card past a limit: it is credited anyway (the money was taken) and finance is told.</param>
public sealed record ReloadCredit(IReadOnlyList<object> Events, ValueLoaded Loaded, bool OverCeiling);

/// <summary>Why a tap is declined. The names are the reason codes terminals receive.</summary>
public enum DeclineReason
{
    InvalidRequest,
    UnknownCard,
    CardBlocked,
    InsufficientFunds,
    SequenceReused,
}

public abstract record TapDecision
{
    private TapDecision() { }

    public sealed record Authorized(FareCharged Charge) : TapDecision;

    public sealed record Declined(DeclineReason Reason, string Message, Money? Balance) : TapDecision;
}

/// <summary>A command that cannot be carried out, with a message fit for the person who asked.</summary>
public sealed record Refusal(string Code, string Message);

public static class CardDecisions
{
    /// <summary>The block reason of a card blocked for debt; settling the debt unblocks only such a card.</summary>
    public const string DebtBlockReason = "debt";

    public static TapDecision Decide(Card card, ChargeFare command, MoneyLimits limits, Instant now)
    {
        if (limits.CheckFare(command.Fare) is { } invalid)
            return new TapDecision.Declined(DeclineReason.InvalidRequest, invalid, null);
        if (card.Status == CardStatus.Blocked)
            return new TapDecision.Declined(DeclineReason.CardBlocked, $"The card is blocked ({card.BlockReason}).", card.Balance);
        if (card.Balance < command.Fare)
            return new TapDecision.Declined(
                DeclineReason.InsufficientFunds, $"The fare of {command.Fare} is more than the balance of {card.Balance}.", card.Balance);

        return new TapDecision.Authorized(new FareCharged(
            card.Id, command.VenueId, command.TerminalId, command.TerminalSequence,
            command.Fare, card.Balance - command.Fare, command.TerminalTime, now));
    }

    /// <summary>An administrator's credit. A blocked card may still be loaded: value that belongs to its holder can be moved later.</summary>
    public static (ValueLoaded? Loaded, Refusal? Refusal) Decide(Card card, LoadValue command, MoneyLimits limits, Instant now)
    {
        if (limits.CheckLoad(command.Amount) is { } invalid)
            return (null, new Refusal("invalid-amount", invalid));
        var after = card.Balance + command.Amount;
        if (after + card.Reserved > limits.MaxBalance)
            return (null, new Refusal("balance-ceiling", CeilingMessage(card, command.Amount, limits)));
        return (new ValueLoaded(card.Id, command.Amount, command.Source, command.IdempotencyKey, after, now), null);
    }

    /// <summary>Reloads in flight count toward the ceiling, so that racing reloads cannot overshoot it once paid.</summary>
    public static (ReloadReserved? Reserved, Refusal? Refusal) Decide(Card card, ReserveReload command, MoneyLimits limits, Instant now)
    {
        if (command.Amount.Cents <= 0)
            return (null, new Refusal("invalid-amount", $"A reload must be a positive number of cents (got {command.Amount.Cents})."));
        if (card.Reservations.ContainsKey(command.ReloadId))
            return (null, null);
        if (card.Balance + card.Reserved + command.Amount > limits.MaxBalance)
            return (null, new Refusal("balance-ceiling", CeilingMessage(card, command.Amount, limits)));
        return (new ReloadReserved(card.Id, command.ReloadId, command.Amount, now), null);
    }

    /// <summary>
    /// Credits a paid reload through the same load decision as an administrator's credit, once its reservation is released.
    /// When that decision refuses (the ceiling moved since the reservation was released), the value is credited anyway:
    /// the cardholder's money was taken. A card in debt pays its debt first, and is unblocked when the debt is gone.
    /// </summary>
    public static ReloadCredit Decide(Card card, CreditReload command, MoneyLimits limits, Instant now)
    {
        var events = new List<object>();
        var state = card;
        if (card.Reservations.ContainsKey(command.ReloadId))
            Add(new ReloadReservationReleased(card.Id, command.ReloadId, "credited", now));

        var (loaded, refusal) = Decide(state, new LoadValue(command.Amount, command.Source, command.PaymentReference), limits, now);
        loaded ??= new ValueLoaded(card.Id, command.Amount, command.Source, command.PaymentReference, state.Balance + command.Amount, now);
        Add(loaded);

        if (state.Debt > Money.Zero && state.Balance > Money.Zero)
        {
            var settled = state.Debt < state.Balance ? state.Debt : state.Balance;
            Add(new DebtSettled(card.Id, settled, command.PaymentReference, state.Debt - settled, state.Balance - settled, now));
            if (state.Debt == Money.Zero && state.Status == CardStatus.Blocked && state.BlockReason == DebtBlockReason)
                Add(new CardUnblocked(card.Id, "debt settled", now));
        }
        return new ReloadCredit(events, loaded, refusal is not null);

        void Add(object e)
        {
            events.Add(e);
            state = state.Evolve(e);
        }
    }

    public static ReloadReservationReleased? Decide(Card card, ReleaseReload command, Instant now) =>
        card.Reservations.ContainsKey(command.ReloadId) ? new ReloadReservationReleased(card.Id, command.ReloadId, command.Reason, now) : null;

    /// <summary>
    /// Takes the value back from the balance; what was already spent becomes a debt and the card is blocked
    /// (a card blocked for another reason keeps that reason).
    /// </summary>
    public static IReadOnlyList<object> Decide(Card card, ReclaimValue command, Instant now)
    {
        if (command.Amount <= Money.Zero)
            return [];
        var events = new List<object>();
        var balance = card.Balance > Money.Zero ? card.Balance : Money.Zero;
        var fromBalance = command.Amount < balance ? command.Amount : balance;
        if (fromBalance > Money.Zero)
            events.Add(new ValueReclaimed(card.Id, fromBalance, command.Reason, command.Reference, card.Balance - fromBalance, now));
        var shortfall = command.Amount - fromBalance;
        if (shortfall > Money.Zero)
        {
            events.Add(new CardDebtRecorded(card.Id, shortfall, command.Reason, command.Reference, card.Debt + shortfall, now));
            if (card.Status == CardStatus.Active)
                events.Add(new CardBlocked(card.Id, DebtBlockReason, now));
        }
        return events;
    }

    private static string CeilingMessage(Card card, Money amount, MoneyLimits limits) =>
        card.Reserved > Money.Zero
            ? $"Loading {amount} onto a balance of {card.Balance} with {card.Reserved} of reloads in flight would pass the stored-value ceiling of {limits.MaxBalance}."
            : $"Loading {amount} would bring the balance to {card.Balance + amount}, over the stored-value ceiling of {limits.MaxBalance}.";

    /// <summary>Blocking a blocked card changes nothing: the first reason stands.</summary>
    public static CardBlocked? Decide(Card card, BlockCard command, Instant now) =>
        card.Status == CardStatus.Blocked ? null : new CardBlocked(card.Id, command.Reason, now);

    public static CardUnblocked? Decide(Card card, UnblockCard command, Instant now) =>
        card.Status == CardStatus.Active ? null : new CardUnblocked(card.Id, command.Reason, now);
}
