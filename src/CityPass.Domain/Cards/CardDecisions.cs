using NodaTime;

namespace CityPass.Domain.Cards;

// Commands to a card, and the pure decisions that answer them: (state, command, now) -> events or a refusal.

public sealed record ChargeFare(string VenueId, string TerminalId, long TerminalSequence, Money Fare, Instant TerminalTime);

public sealed record LoadValue(Money Amount, string Source, string IdempotencyKey);

public sealed record BlockCard(string Reason);

public sealed record UnblockCard(string Reason);

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
        if (after > limits.MaxBalance)
            return (null, new Refusal(
                "balance-ceiling",
                $"Loading {command.Amount} would bring the balance to {after}, over the stored-value ceiling of {limits.MaxBalance}."));
        return (new ValueLoaded(card.Id, command.Amount, command.Source, command.IdempotencyKey, after, now), null);
    }

    /// <summary>Blocking a blocked card changes nothing: the first reason stands.</summary>
    public static CardBlocked? Decide(Card card, BlockCard command, Instant now) =>
        card.Status == CardStatus.Blocked ? null : new CardBlocked(card.Id, command.Reason, now);

    public static CardUnblocked? Decide(Card card, UnblockCard command, Instant now) =>
        card.Status == CardStatus.Active ? null : new CardUnblocked(card.Id, command.Reason, now);
}
