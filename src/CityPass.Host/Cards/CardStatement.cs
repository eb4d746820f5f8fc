using CityPass.Domain.Schemes;
using JasperFx.Events;
using CityPass.Host.Cards.Reading;
using CityPass.Host.Privacy;
using Marten.Events;

namespace CityPass.Host.Cards;

/// <summary>One line of a card's statement. Its id is the event's id; <see cref="Version"/> orders the lines.</summary>
/// <param name="ProductId">The product bought or used, or the pay-as-you-go product a fare was charged for (as the tap's answer
/// names it; null for a fare recorded before charges named their product: its <see cref="Price"/> names the tariff).</param>
public sealed record CardHistoryLine(
    Guid Id,
    Guid CardId,
    long Version,
    string Kind,
    long? AmountCents,
    long? BalanceCents,
    string? VenueId,
    string? TerminalId,
    string? ProductId,
    string? Detail,
    Instant At)
{
    /// <summary>How a fare or a purchase was priced: tariff and version, base, profile, reduction, rounding, what the daily cap took off.</summary>
    public PriceBreakdown? Price { get; init; }

    /// <summary>The service day a fare or a visit counts in (the daily cap's day), which may differ from <see cref="At"/>'s for an upload.</summary>
    public LocalDate? ServiceDate { get; init; }

    /// <summary>A visit past its identifiable period: no terminal, the day instead of the moment (see docs/privacy.md).</summary>
    public bool Pseudonymised { get; init; }

    /// <summary>An entry with a multi-entry pass: the entries left after it.</summary>
    public int? EntriesLeft { get; init; }

    /// <summary>A transfer: the card the value moved from (to a replacement) or to (from a lost card).</summary>
    public Guid? OtherCardId { get; init; }

    /// <summary><see cref="At"/> as a number (milliseconds since 1970, UTC).</summary>
    public long AtUnixMilliseconds => At.ToUnixTimeMilliseconds();
}

/// <summary>
/// A card's statement, read from its stream: a line per event that moves value, rights or state, its id the event's id,
/// ordered by the stream's version. No copy of it is stored: the events are the statement (a stored line per event had
/// cost a row, three indexes and ~1,300 bytes a tap, and a second write when a visit was pseudonymised; docs/performance.md,
/// "Data that has an end"). Visits past their identifiable period are shown pseudonymised (<see cref="VisitPseudonymisation"/>).
/// </summary>
public static class CardStatement
{
    /// <summary>The card events that make a line; the others (auto-reload and reservation events) make none.</summary>
    public static readonly Type[] LineEvents =
    [
        typeof(CardIssued), typeof(ValueLoaded), typeof(FareCharged), typeof(EntryRedeemed), typeof(ProductPurchased), typeof(ConcessionGranted),
        typeof(CardBlocked), typeof(CardUnblocked), typeof(ValueReclaimed), typeof(CardDebtRecorded), typeof(FareOwed), typeof(DebtSettled),
        typeof(ValueTransferredOut), typeof(ValueTransferredIn), typeof(BalanceRefunded),
    ];

    /// <summary>A page of the statement, newest first, before a stream version: one backward range scan of the stream's (id, version) index.</summary>
    public static async Task<CardHistoryPage> PageAsync(IQuerySession session, Guid id, int limit, long? before, Func<CardHistoryLine, CardHistoryLine> shown, CancellationToken ct)
    {
        var upTo = before ?? long.MaxValue;
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == id && e.Version < upTo && e.EventTypesAre(LineEvents))
            .OrderByDescending(e => e.Version)
            .Take(limit)
            .ToListAsync(ct);
        var lines = events.Select(LineOf).OfType<CardHistoryLine>().Select(shown).ToList();
        var next = events.Count == limit && events[^1].Version > 1 ? events[^1].Version : (long?)null;
        return new CardHistoryPage(id, lines, next);
    }

    /// <summary>The whole statement, oldest first (the holder's export).</summary>
    public static async Task<IReadOnlyList<CardHistoryLine>> AllAsync(IQuerySession session, Guid id, Func<CardHistoryLine, CardHistoryLine> shown, CancellationToken ct) =>
        (await session.Events.FetchStreamAsync(id, token: ct)).Select(LineOf).OfType<CardHistoryLine>().Select(shown).ToList();

    public static CardHistoryLine? LineOf(IEvent e) =>
        e.Data switch
        {
            CardIssued x => new(e.Id, x.CardId, e.Version, "issued", null, 0, null, null, null, x.Uid, x.IssuedAt),
            ValueLoaded x => new(e.Id, x.CardId, e.Version, "loaded", x.Amount.Cents, x.BalanceAfter.Cents, null, null, null, x.Source.Code, x.LoadedAt),
            FareCharged x => new(e.Id, x.CardId, e.Version, "charged", -x.Amount.Cents, x.BalanceAfter.Cents, x.VenueId, x.TerminalId,
                x.Price.ProductId, Explain(x), x.ChargedAt) { Price = x.Price, ServiceDate = x.ServiceDate },
            EntryRedeemed x => new(e.Id, x.CardId, e.Version, "entry", null, null, x.VenueId, x.TerminalId, x.ProductId,
                x.EntriesLeft is { } left ? $"{x.Kind}, {left} left" : x.Kind.ToString(), x.RedeemedAt) { ServiceDate = x.ServiceDate, EntriesLeft = x.EntriesLeft },
            ProductPurchased x => new(e.Id, x.CardId, e.Version, "purchased", -x.Price.Charged.Cents, x.BalanceAfter.Cents, null, null,
                x.Right.ProductId, $"{x.Right.Name}, valid {x.Right.ValidFrom:yyyy-MM-dd} to {x.Right.ValidTo:yyyy-MM-dd}", x.PurchasedAt) { Price = x.Price },
            ConcessionGranted x => new(e.Id, x.CardId, e.Version, "concession", null, null, null, null, null,
                $"{x.Grant.ProfileId} {x.Grant.ValidFrom:yyyy-MM-dd} to {x.Grant.ValidTo:yyyy-MM-dd}", x.GrantedAt),
            CardBlocked x => new(e.Id, x.CardId, e.Version, "blocked", null, null, null, null, null, x.Reason, x.BlockedAt),
            CardUnblocked x => new(e.Id, x.CardId, e.Version, "unblocked", null, null, null, null, null, x.Reason, x.UnblockedAt),
            ValueReclaimed x => new(e.Id, x.CardId, e.Version, "reclaimed", -x.Amount.Cents, x.BalanceAfter.Cents, null, null, null, $"{x.Reason} ({x.Reference})", x.ReclaimedAt),
            CardDebtRecorded x => new(e.Id, x.CardId, e.Version, "debt", -x.Amount.Cents, null, null, null, null, $"{x.Reason} ({x.Reference}); debt {x.DebtAfter}", x.RecordedAt),
            FareOwed x => new(e.Id, x.CardId, e.Version, "owed", null, null, x.VenueId, x.TerminalId, null, $"offline fare not covered: {x.Amount} owed; debt {x.DebtAfter}", x.RecordedAt),
            DebtSettled x => new(e.Id, x.CardId, e.Version, "debt-settled", -x.Amount.Cents, x.BalanceAfter.Cents, null, null, null, $"debt {x.DebtAfter} left", x.SettledAt),
            ValueTransferredOut x => new(e.Id, x.CardId, e.Version, "transferred-out", -x.Holdings.Balance.Cents, 0, null, null, null,
                $"to replacement card {x.ToCardId}: {x.Holdings.Rights.Count} rights, {x.Holdings.Concessions.Count} concessions, debt {x.Holdings.Debt}", x.TransferredAt) { OtherCardId = x.ToCardId },
            ValueTransferredIn x => new(e.Id, x.CardId, e.Version, "transferred-in", x.Holdings.Balance.Cents, x.BalanceAfter.Cents, null, null, null,
                $"from lost card {x.FromCardId}: {x.Holdings.Rights.Count} rights, {x.Holdings.Concessions.Count} concessions, debt {x.Holdings.Debt}", x.TransferredAt)
                { OtherCardId = x.FromCardId },
            BalanceRefunded x => new(e.Id, x.CardId, e.Version, "refunded", -x.Amount.Cents, x.BalanceAfter.Cents, null, null, null, $"{x.Method} ({x.Reference})", x.RefundedAt),
            _ => null,
        };

    private static string Explain(FareCharged x) =>
        $"tap #{x.TerminalSequence}, service day {x.ServiceDate:yyyy-MM-dd}"
        + (x.Price.ReductionPercent > 0 ? $", {x.Price.ReductionPercent} % off ({x.Price.ProfileId})" : "")
        + (x.Price.CapMemoryLapsed ? ", uploaded after the daily cap's memory of that day: not charged"
            : x.Price.CapTookOff > Money.Zero ? $", daily cap {x.Price.DailyCap} took off {x.Price.CapTookOff}" : "");
}
