using CityPass.Domain.Schemes;
using JasperFx.Events;
using Marten.Events.Projections;

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

    /// <summary><see cref="At"/> as a number, for range queries (Marten's LINQ does not compare Instants).</summary>
    public long AtUnixMilliseconds => At.ToUnixTimeMilliseconds();
}

/// <summary>Inline projection: a statement line per card event, written in the same transaction as the event.</summary>
public sealed partial class CardHistoryProjection : EventProjection
{
    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        CardHistoryLine? line = e.Data switch
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
        if (line is not null)
            operations.Store(line);
        return ValueTask.CompletedTask;
    }

    private static string Explain(FareCharged x) =>
        $"tap #{x.TerminalSequence}, service day {x.ServiceDate:yyyy-MM-dd}"
        + (x.Price.ReductionPercent > 0 ? $", {x.Price.ReductionPercent} % off ({x.Price.ProfileId})" : "")
        + (x.Price.CapMemoryLapsed ? ", uploaded after the daily cap's memory of that day: not charged"
            : x.Price.CapTookOff > Money.Zero ? $", daily cap {x.Price.DailyCap} took off {x.Price.CapTookOff}" : "");
}
