using System.Collections.Immutable;
using NodaTime;

namespace CityPass.Domain.Cards;

// The card stream: one stream per card, its events and the state they fold into.

/// <summary>A card was issued to the scheme with the UID its chip reports.</summary>
public sealed record CardIssued(Guid CardId, string Uid, Instant IssuedAt);

/// <summary>Stored value was added to the card.</summary>
/// <param name="Source">Where the money came from: "admin" for an administrator's credit, a payment provider later.</param>
/// <param name="IdempotencyKey">The key of the request that caused it; a repeat with the same key loads nothing.</param>
/// <param name="BalanceAfter">The balance once loaded, as a statement line shows it.</param>
public sealed record ValueLoaded(Guid CardId, Money Amount, string Source, string IdempotencyKey, Money BalanceAfter, Instant LoadedAt);

/// <summary>A fare was taken from stored value at a venue's terminal.</summary>
/// <param name="TerminalTime">When the terminal says the tap happened (its own clock).</param>
/// <param name="ChargedAt">When the back end decided (the server clock).</param>
public sealed record FareCharged(
    Guid CardId, string VenueId, string TerminalId, long TerminalSequence,
    Money Amount, Money BalanceAfter, Instant TerminalTime, Instant ChargedAt);

/// <summary>The card was blocked: every tap is declined until it is unblocked.</summary>
public sealed record CardBlocked(Guid CardId, string Reason, Instant BlockedAt);

/// <summary>A blocked card was put back into service.</summary>
public sealed record CardUnblocked(Guid CardId, string Reason, Instant UnblockedAt);

public enum CardStatus
{
    Active,
    Blocked,
}

/// <summary>The state of one card, folded from its stream; kept as an inline snapshot so a tap never replays history.</summary>
/// <remarks>
/// <see cref="Reservations"/> are online reloads still in flight (they count toward the stored-value ceiling);
/// <see cref="Debt"/> is value taken back by a refund or a lost dispute after it was spent (see Payments).
/// </remarks>
public sealed record Card(
    Guid Id,
    string Uid,
    Money Balance,
    CardStatus Status,
    string? BlockReason,
    Instant IssuedAt,
    Instant LastChangedAt)
{
    public Money Debt { get; init; } = Money.Zero;

    public ImmutableDictionary<Guid, Money> Reservations { get; init; } = ImmutableDictionary<Guid, Money>.Empty;

    public Money Reserved => Reservations.Values.Aggregate(Money.Zero, (sum, amount) => sum + amount);

    // Named From/Evolve rather than Create/Apply: Marten would take those for conventional projection methods,
    // which it can only dispatch through a source generator this pure project does not reference.
    public static Card From(CardIssued issued) =>
        new(issued.CardId, issued.Uid, Money.Zero, CardStatus.Active, null, issued.IssuedAt, issued.IssuedAt);

    public Card Evolve(object @event) => @event switch
    {
        ValueLoaded loaded => this with { Balance = Balance + loaded.Amount, LastChangedAt = loaded.LoadedAt },
        FareCharged charged => this with { Balance = Balance - charged.Amount, LastChangedAt = charged.ChargedAt },
        CardBlocked blocked => this with { Status = CardStatus.Blocked, BlockReason = blocked.Reason, LastChangedAt = blocked.BlockedAt },
        CardUnblocked unblocked => this with { Status = CardStatus.Active, BlockReason = null, LastChangedAt = unblocked.UnblockedAt },
        ReloadReserved reserved => this with { Reservations = Reservations.SetItem(reserved.ReloadId, reserved.Amount), LastChangedAt = reserved.ReservedAt },
        ReloadReservationReleased released => this with { Reservations = Reservations.Remove(released.ReloadId), LastChangedAt = released.ReleasedAt },
        ValueReclaimed reclaimed => this with { Balance = Balance - reclaimed.Amount, LastChangedAt = reclaimed.ReclaimedAt },
        CardDebtRecorded debt => this with { Debt = Debt + debt.Amount, LastChangedAt = debt.RecordedAt },
        DebtSettled settled => this with { Balance = Balance - settled.Amount, Debt = Debt - settled.Amount, LastChangedAt = settled.SettledAt },
        _ => this,
    };
}
