using System.Security.Cryptography;
using System.Text;
using CityPass.Domain.Cards;
using NodaTime;

namespace CityPass.Domain.Cardholders;

// The replacement stream: one per lost or stolen card, the process that blocks it and moves what it holds to a
// replacement, one recorded step at a time, so that a retry or a restart resumes where the last one stopped.

/// <summary>A cardholder (or an agent) reported a card lost or stolen.</summary>
/// <param name="NewCardId">The replacement, when one is already in hand; otherwise the value waits on the blocked card.</param>
/// <param name="AccountId">The account both cards belong to (null when an agent replaces an anonymous card).</param>
public sealed record CardReplacementRequested(Guid ReplacementId, Guid OldCardId, Guid? NewCardId, string? AccountId, string Reason, Instant RequestedAt);

/// <summary>The replacement card was named after the loss was reported.</summary>
public sealed record ReplacementCardAssigned(Guid ReplacementId, Guid NewCardId, Instant AssignedAt);

/// <summary>The lost card is blocked (and on the deny list) as of <paramref name="OldCardVersion"/> of its stream.</summary>
public sealed record ReplacedCardBlocked(Guid ReplacementId, Guid OldCardId, long OldCardVersion, Instant BlockedAt);

/// <summary>What the blocked card held, read under its stream version and taken off it in the same transaction.</summary>
public sealed record ReplacementValueMovedOut(Guid ReplacementId, Guid OldCardId, long OldCardVersion, CardHoldings Holdings, Instant MovedAt);

/// <summary>What was taken off the lost card was put on the replacement (in the same transaction as the card's events).</summary>
public sealed record ReplacementValueMovedIn(Guid ReplacementId, Guid NewCardId, Money BalanceAfter, Money DebtAfter, Instant MovedAt);

public sealed record CardReplacementCompleted(Guid ReplacementId, Instant CompletedAt);

/// <summary>What a card holds that belongs to its holder: stored value, debt, rights and concession grants.</summary>
public sealed record CardHoldings(Money Balance, Money Debt, IReadOnlyList<Right> Rights, IReadOnlyList<ConcessionGrant> Concessions)
{
    public static CardHoldings Of(Card card) => new(card.Balance, card.Debt, card.Rights, card.Concessions);
}

public enum ReplacementStep
{
    /// <summary>Reported; the old card is not blocked yet.</summary>
    Requested,
    /// <summary>Blocked, no replacement named yet: the value stays on the blocked card.</summary>
    AwaitingReplacement,
    /// <summary>Blocked; the value is still on the old card.</summary>
    OldCardBlocked,
    /// <summary>The value is off the old card, in transit.</summary>
    ValueMovedOut,
    ValueMovedIn,
    Completed,
}

public sealed record CardReplacement(
    Guid Id, Guid OldCardId, Guid? NewCardId, string? AccountId, string Reason, Instant RequestedAt, Instant LastChangedAt)
{
    public bool Blocked { get; init; }
    public CardHoldings? InTransit { get; init; }
    public bool MovedIn { get; init; }
    public bool Completed { get; init; }

    /// <summary><see cref="LastChangedAt"/> as a number, for the resumer's range query.</summary>
    public long LastChangedUnixMilliseconds => LastChangedAt.ToUnixTimeMilliseconds();

    public ReplacementStep Step =>
        Completed ? ReplacementStep.Completed
        : MovedIn ? ReplacementStep.ValueMovedIn
        : InTransit is not null ? ReplacementStep.ValueMovedOut
        : Blocked && NewCardId is null ? ReplacementStep.AwaitingReplacement
        : Blocked ? ReplacementStep.OldCardBlocked
        : ReplacementStep.Requested;

    /// <summary>A card is replaced once: the process's id follows from the lost card's, so a repeated report finds it.</summary>
    public static Guid IdFor(Guid oldCardId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"citypass-card-replacement:{oldCardId:N}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: a name-based id of our own
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    public static CardReplacement From(CardReplacementRequested e) =>
        new(e.ReplacementId, e.OldCardId, e.NewCardId, e.AccountId, e.Reason, e.RequestedAt, e.RequestedAt);

    /// <summary>The events of a CardReplacement's stream: those <see cref="Evolve"/> folds and the one that starts it. Its projection takes
    /// only these (a stream of other events is not a CardReplacement's); keep it beside the switch, a test compares them.</summary>
    public static readonly IReadOnlyList<Type> EventTypes =
    [
        typeof(CardReplacementRequested), typeof(ReplacementCardAssigned), typeof(ReplacedCardBlocked),
        typeof(ReplacementValueMovedOut), typeof(ReplacementValueMovedIn), typeof(CardReplacementCompleted),
    ];

    public CardReplacement Evolve(object @event) => @event switch
    {
        ReplacementCardAssigned e => this with { NewCardId = e.NewCardId, LastChangedAt = e.AssignedAt },
        ReplacedCardBlocked e => this with { Blocked = true, LastChangedAt = e.BlockedAt },
        ReplacementValueMovedOut e => this with { InTransit = e.Holdings, LastChangedAt = e.MovedAt },
        ReplacementValueMovedIn e => this with { MovedIn = true, LastChangedAt = e.MovedAt },
        CardReplacementCompleted e => this with { Completed = true, LastChangedAt = e.CompletedAt },
        _ => this,
    };
}

public static class CardReplacementDecisions
{
    public static readonly IReadOnlySet<string> Reasons = new HashSet<string>(StringComparer.Ordinal) { "lost", "stolen", "damaged" };

    /// <summary>Whether <paramref name="replacement"/> can receive what <paramref name="lost"/> holds.</summary>
    public static Refusal? CheckReplacement(Card lost, Card replacement)
    {
        if (lost.Id == replacement.Id)
            return new Refusal("same-card", "A card cannot replace itself.");
        if (replacement.Status == CardStatus.Blocked)
            return new Refusal("replacement-blocked", $"The replacement card is blocked ({replacement.BlockReason}).");
        return null;
    }

    /// <summary>
    /// Takes everything off the blocked card. Only a blocked card is emptied: no tap can spend from it any more, so
    /// what it holds at this stream version is what moves (a racing offline upload changes the version and the step
    /// is decided again from the new state).
    /// </summary>
    public static ValueTransferredOut? MoveOut(Card lost, Guid replacementId, Guid newCardId, Instant now) =>
        lost.Status != CardStatus.Blocked
            ? throw new InvalidOperationException($"Card {lost.Id} must be blocked before its value is moved.")
            : new ValueTransferredOut(lost.Id, replacementId, newCardId, CardHoldings.Of(lost), now);

    /// <summary>
    /// Puts the holdings on the replacement. Debt moves with the value and is paid from the moved balance first; what the
    /// balance cannot pay blocks the replacement for debt, exactly as the lost card was. The stored-value ceiling is not
    /// checked: the value is the holder's already.
    /// </summary>
    public static IReadOnlyList<object> MoveIn(Card replacement, Guid replacementId, Guid lostCardId, CardHoldings holdings, Instant now)
    {
        var events = new List<object>();
        var state = replacement;
        Add(new ValueTransferredIn(replacement.Id, replacementId, lostCardId, holdings, replacement.Balance + holdings.Balance, now));
        if (state.Debt > Money.Zero && state.Balance > Money.Zero)
        {
            var settled = state.Debt < state.Balance ? state.Debt : state.Balance;
            Add(new DebtSettled(replacement.Id, settled, $"replacement {replacementId}", state.Debt - settled, state.Balance - settled, now));
        }
        if (state.Debt > Money.Zero && state.Status == CardStatus.Active)
            Add(new CardBlocked(replacement.Id, CardDecisions.DebtBlockReason, now));
        return events;

        void Add(object e)
        {
            events.Add(e);
            state = state.Evolve(e);
        }
    }
}
