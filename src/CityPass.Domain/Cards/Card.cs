using CityPass.Domain.Schemes;
using System.Collections.Immutable;
using NodaTime;

namespace CityPass.Domain.Cards;

// The card stream: one stream per card, its events and the state they fold into.

/// <summary>A card was issued to the scheme with the UID its chip reports.</summary>
public sealed record CardIssued(Guid CardId, string Uid, Instant IssuedAt);

/// <summary>Stored value was added to the card.</summary>
/// <param name="Source">Where the money came from: an administrator's credit, the demo's seed or a payment provider.</param>
/// <param name="IdempotencyKey">The key of the request that caused it; a repeat with the same key loads nothing.</param>
/// <param name="BalanceAfter">The balance once loaded, as a statement line shows it.</param>
public sealed record ValueLoaded(Guid CardId, Money Amount, LoadSource Source, string IdempotencyKey, Money BalanceAfter, Instant LoadedAt);

/// <summary>A pay-as-you-go fare was taken from stored value at a venue's terminal.</summary>
/// <param name="Amount">What was charged: the tariff, reduced for the holder's concession, then capped for the day.</param>
/// <param name="ServiceDate">The service day the tap counts in (local, with the scheme's cut-off hour).</param>
/// <param name="Price">How the amount was found, so that it can be explained after the tariff changed.</param>
/// <param name="TerminalTime">When the terminal says the tap happened (its own clock).</param>
/// <param name="ChargedAt">When the back end decided (the server clock).</param>
public sealed record FareCharged(
    Guid CardId, string VenueId, string TerminalId, long TerminalSequence,
    Money Amount, Money BalanceAfter, LocalDate ServiceDate, PriceBreakdown Price, Instant TerminalTime, Instant ChargedAt);

/// <summary>A right held on the card let the holder in: a pass or free entry shown, a carnet entry or an event ticket used.</summary>
/// <param name="EntriesLeft">What remains of a carnet after this entry (0 for a used ticket, null for passes and free entries).</param>
public sealed record EntryRedeemed(
    Guid CardId, Guid RightId, string ProductId, ProductKind Kind, string VenueId, string TerminalId, long TerminalSequence,
    int? EntriesLeft, LocalDate ServiceDate, Instant TerminalTime, Instant RedeemedAt);

/// <summary>A product was bought with stored value and its right added to the card, with the terms of the day of purchase.</summary>
public sealed record ProductPurchased(Guid CardId, Right Right, PriceBreakdown Price, Money BalanceAfter, string IdempotencyKey, Instant PurchasedAt);

/// <summary>A concession profile was granted to the card for a period, on evidence seen by an agent.</summary>
public sealed record ConcessionGranted(Guid CardId, ConcessionGrant Grant, Instant GrantedAt);

/// <summary>The card was blocked: every tap is declined until it is unblocked.</summary>
public sealed record CardBlocked(Guid CardId, string Reason, Instant BlockedAt);

/// <summary>A blocked card was put back into service.</summary>
public sealed record CardUnblocked(Guid CardId, string Reason, Instant UnblockedAt);

public enum CardStatus
{
    Active,
    Blocked,
}

/// <summary>A product held on a card, with the terms it was bought on. Valid from the first to the last local date, inclusive.</summary>
public sealed record Right(
    Guid Id,
    string ProductId,
    ProductKind Kind,
    string Name,
    IReadOnlyList<string> VenueIds,
    LocalDate ValidFrom,
    LocalDate ValidTo,
    int? EntriesLeft,
    LocalDateTime? DoorsOpen,
    LocalDateTime? ShowEnds,
    bool Used)
{
    public bool IsValidOn(LocalDate date) => ValidFrom <= date && date <= ValidTo;
}

/// <summary>A concession profile held between two local dates, inclusive; it lapses by itself.</summary>
/// <param name="Evidence">A reference to what was seen (a CAF letter number, a student card), not the document itself.</param>
public sealed record ConcessionGrant(Guid Id, string ProfileId, LocalDate ValidFrom, LocalDate ValidTo, string Evidence)
{
    public bool IsValidOn(LocalDate date) => ValidFrom <= date && date <= ValidTo;
}

/// <summary>What pay-as-you-go fares took on one service day, charged or owed: what the daily cap counts.</summary>
public sealed record ServiceDaySpend(LocalDate ServiceDate, Money Spent);

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
    Instant LastChangedAt,
    IReadOnlyList<Right> Rights,
    IReadOnlyList<ConcessionGrant> Concessions)
{
    /// <summary>
    /// How many service days the daily cap remembers: the card's most recent service days with a pay-as-you-go fare
    /// (today and the seven before, for a card used every day). A fold must give the same state on every replay, so this
    /// is a rule of the domain, not a setting.
    /// </summary>
    public const int CapMemoryDays = 8;

    /// <summary>What each remembered service day spent (<see cref="CapMemoryDays"/> at most), newest first.</summary>
    public IReadOnlyList<ServiceDaySpend> DaySpends { get; init; } = [];

    /// <summary>
    /// The newest service day the card no longer remembers: a fare for it or an earlier day, uploaded late, might find
    /// the cap already reached, so it is charged nothing (the cardholder is never charged past a cap).
    /// </summary>
    public LocalDate? SpendForgottenThrough { get; init; }

    /// <summary>The newest service day with a pay-as-you-go fare, and what it spent (shown by the card's view).</summary>
    public LocalDate? CapDay => DaySpends.Count > 0 ? DaySpends[0].ServiceDate : null;

    public Money SpentOnCapDay => DaySpends.Count > 0 ? DaySpends[0].Spent : Money.Zero;

    /// <summary>What a service day has spent so far; null when the card no longer remembers that day.</summary>
    public Money? SpentOn(LocalDate serviceDate) =>
        DaySpends.FirstOrDefault(d => d.ServiceDate == serviceDate)?.Spent
        ?? (serviceDate <= SpendForgottenThrough ? null : Money.Zero);

    public Money Debt { get; init; } = Money.Zero;

    public ImmutableDictionary<Guid, Money> Reservations { get; init; } = ImmutableDictionary<Guid, Money>.Empty;

    public Money Reserved => Reservations.Values.Aggregate(Money.Zero, (sum, amount) => sum + amount);

    // Named From/Evolve rather than Create/Apply: Marten would take those for conventional projection methods,
    // which it can only dispatch through a source generator this pure project does not reference.
    public static Card From(CardIssued issued) =>
        new(issued.CardId, issued.Uid, Money.Zero, CardStatus.Active, null, issued.IssuedAt, issued.IssuedAt, [], []);

    /// <summary>The events of a Card's stream: those <see cref="Evolve"/> folds and the one that starts it. Its projection takes
    /// only these (a stream of other events is not a Card's); keep it beside the switch, a test compares them.</summary>
    public static readonly IReadOnlyList<Type> EventTypes =
    [
        typeof(CardIssued), typeof(ValueLoaded), typeof(FareCharged), typeof(EntryRedeemed),
        typeof(ProductPurchased), typeof(ConcessionGranted), typeof(CardBlocked), typeof(CardUnblocked),
        typeof(ReloadReserved), typeof(ReloadReservationReleased), typeof(ValueReclaimed), typeof(CardDebtRecorded),
        typeof(FareOwed), typeof(DebtSettled), typeof(ValueTransferredOut), typeof(ValueTransferredIn),
        typeof(BalanceRefunded),
    ];

    public Card Evolve(object @event) => @event switch
    {
        ValueLoaded e => this with { Balance = Balance + e.Amount, LastChangedAt = e.LoadedAt },
        FareCharged e => Spend(e.ServiceDate, e.Amount) with { Balance = Balance - e.Amount, LastChangedAt = e.ChargedAt },
        EntryRedeemed e => this with
        {
            Rights = [.. Rights.Select(r => r.Id == e.RightId ? r with { EntriesLeft = e.EntriesLeft, Used = r.Used || e.Kind == ProductKind.EventTicket } : r)],
            LastChangedAt = e.RedeemedAt,
        },
        ProductPurchased e => this with { Balance = Balance - e.Price.Charged, Rights = [.. Rights, e.Right], LastChangedAt = e.PurchasedAt },
        ConcessionGranted e => this with { Concessions = [.. Concessions, e.Grant], LastChangedAt = e.GrantedAt },
        CardBlocked e => this with { Status = CardStatus.Blocked, BlockReason = e.Reason, LastChangedAt = e.BlockedAt },
        CardUnblocked e => this with { Status = CardStatus.Active, BlockReason = null, LastChangedAt = e.UnblockedAt },
        ReloadReserved reserved => this with { Reservations = Reservations.SetItem(reserved.ReloadId, reserved.Amount), LastChangedAt = reserved.ReservedAt },
        ReloadReservationReleased released => this with { Reservations = Reservations.Remove(released.ReloadId), LastChangedAt = released.ReleasedAt },
        ValueReclaimed reclaimed => this with { Balance = Balance - reclaimed.Amount, LastChangedAt = reclaimed.ReclaimedAt },
        CardDebtRecorded debt => this with { Debt = Debt + debt.Amount, LastChangedAt = debt.RecordedAt },
        FareOwed owed => Spend(owed.ServiceDate, owed.Amount) with { Debt = Debt + owed.Amount, LastChangedAt = owed.RecordedAt },
        DebtSettled settled => this with { Balance = Balance - settled.Amount, Debt = Debt - settled.Amount, LastChangedAt = settled.SettledAt },
        ValueTransferredOut o => this with
        {
            Balance = Balance - o.Holdings.Balance,
            Debt = Debt - o.Holdings.Debt,
            Rights = [.. Rights.Where(r => o.Holdings.Rights.All(m => m.Id != r.Id))],
            Concessions = [.. Concessions.Where(g => o.Holdings.Concessions.All(m => m.Id != g.Id))],
            LastChangedAt = o.TransferredAt,
        },
        ValueTransferredIn i => this with
        {
            Balance = Balance + i.Holdings.Balance,
            Debt = Debt + i.Holdings.Debt,
            Rights = [.. Rights, .. i.Holdings.Rights.Where(m => Rights.All(r => r.Id != m.Id))],
            Concessions = [.. Concessions, .. i.Holdings.Concessions.Where(m => Concessions.All(g => g.Id != m.Id))],
            LastChangedAt = i.TransferredAt,
        },
        BalanceRefunded r => this with { Balance = Balance - r.Amount, LastChangedAt = r.RefundedAt },
        _ => this,
    };

    /// <summary>Adds a fare to its service day's spend, in whatever order fares arrive; keeps the newest days only.</summary>
    private Card Spend(LocalDate serviceDate, Money amount)
    {
        if (SpentOn(serviceDate) is not { } before)
            return this;
        var days = DaySpends.Where(d => d.ServiceDate != serviceDate)
            .Append(new ServiceDaySpend(serviceDate, before + amount))
            .OrderByDescending(d => d.ServiceDate)
            .ToList();
        if (days.Count <= CapMemoryDays)
            return this with { DaySpends = days };
        var forgotten = days[CapMemoryDays].ServiceDate;
        return this with
        {
            DaySpends = days[..CapMemoryDays],
            SpendForgottenThrough = SpendForgottenThrough > forgotten ? SpendForgottenThrough : forgotten,
        };
    }

    /// <summary>The concession in force on a local date; when several are, the one with the largest reduction.</summary>
    public ConcessionProfile? ActiveProfile(Scheme scheme, LocalDate date) =>
        Concessions.Where(g => g.IsValidOn(date))
            .Select(g => scheme.Profiles.GetValueOrDefault(g.ProfileId))
            .OfType<ConcessionProfile>()
            .OrderByDescending(p => p.ReductionPercent)
            .ThenBy(p => p.Id, StringComparer.Ordinal)
            .FirstOrDefault();
}
