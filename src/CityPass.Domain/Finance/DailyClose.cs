using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Finance;

/// <summary>One line of an operator's statement: visits and amounts at a venue, for a product and a tariff profile.</summary>
/// <param name="VenueId">Null for product sales (a product is sold to the card, not at a venue).</param>
/// <param name="AdjustmentOf">For late data: the closed day it belongs to; null for the day's own activity.</param>
/// <param name="AmountCents">What the scheme owes the operator for these lines.</param>
public sealed record OperatorLine(string OperatorId, string? VenueId, string? ProductId, string? ProfileId, string Kind, LocalDate? AdjustmentOf, int Visits, long AmountCents);

/// <summary>The scheme's side of a day: money in, money spent, money given back, and the float (stored value outstanding).</summary>
public sealed record SchemeLine(
    long OpeningFloatCents,
    IReadOnlyDictionary<string, long> LoadsBySource,
    long FaresCents,
    long ProductSalesCents,
    long ReclaimedCents,
    long DebtsRecordedCents,
    long DebtsSettledCents,
    long ProviderFeesCents,
    long ClosingFloatCents);

/// <summary>An event that arrived after its day was closed, reported on this day instead.</summary>
public sealed record Adjustment(long Sequence, LocalDate OriginalDay, string Kind, Guid? CardId, string? OperatorId, string? VenueId, long StoredValueCents, string? Reference);

/// <summary>The immutable statement of a closed business day.</summary>
/// <param name="From">The first instant of the business day (local date at the cut-off).</param>
/// <param name="To">The first instant of the next one; To - From is 23, 24 or 25 hours.</param>
public sealed record DayStatement(
    LocalDate Day,
    Instant From,
    Instant To,
    long Hours,
    long UpToSequence,
    int Entries,
    IReadOnlyList<OperatorLine> Operators,
    SchemeLine Scheme,
    IReadOnlyList<Adjustment> Adjustments);

public static class DailyClose
{
    public static (Instant From, Instant To) Bounds(SchemeTime time, LocalDate day) =>
        (time.At(day.At(time.ServiceDayCutoff)), time.At(day.PlusDays(1).At(time.ServiceDayCutoff)));

    /// <summary>
    /// Which entries a close of <paramref name="day"/> reports: its own (business day = the day, seen by the close)
    /// and, as adjustments, entries of earlier days that arrived after the previous close.
    /// </summary>
    public static bool Reports(LedgerEntry e, LocalDate day, long upTo, long previousUpTo) =>
        e.Id <= upTo && (e.BusinessDay == day || (e.BusinessDay < day && e.Id > previousUpTo));

    /// <summary>
    /// Closes a day. Days close in order; <paramref name="previousUpTo"/> is what the previous close saw (0 before the
    /// first close, which therefore brings everything earlier forward as adjustments).
    /// </summary>
    public static DayStatement Close(LocalDate day, long upTo, long previousUpTo, long openingFloatCents, IEnumerable<LedgerEntry> entries, SchemeTime time)
    {
        var reported = entries.Where(e => Reports(e, day, upTo, previousUpTo)).OrderBy(e => e.Id).ToList();
        var operators = new List<OperatorLine>();
        foreach (var e in reported)
        {
            LocalDate? adjustmentOf = e.BusinessDay == day ? null : e.BusinessDay;
            var owed = e.Lines.Where(l => l.Account.StartsWith(LedgerAccounts.OperatorPrefix, StringComparison.Ordinal)).ToList();
            if (owed.Count == 0 && e.Visits > 0 && e.OperatorId is not null)
                operators.Add(new OperatorLine(e.OperatorId, e.VenueId, e.ProductId, e.ProfileId, e.Kind, adjustmentOf, e.Visits, 0));
            foreach (var line in owed)
            {
                var operatorId = line.Account[LedgerAccounts.OperatorPrefix.Length..];
                operators.Add(new OperatorLine(operatorId, e.VenueId, e.ProductId, e.ProfileId, e.Kind, adjustmentOf,
                    operatorId == e.OperatorId ? e.Visits : 0, checked(-line.Cents)));
            }
        }
        var grouped = operators
            .GroupBy(l => (l.OperatorId, l.VenueId, l.ProductId, l.ProfileId, l.Kind, l.AdjustmentOf))
            .Select(g => g.First() with { Visits = g.Sum(l => l.Visits), AmountCents = g.Aggregate(0L, (s, l) => checked(s + l.AmountCents)) })
            .OrderBy(l => l.OperatorId, StringComparer.Ordinal).ThenBy(l => l.AdjustmentOf).ThenBy(l => l.VenueId, StringComparer.Ordinal)
            .ThenBy(l => l.ProductId, StringComparer.Ordinal).ThenBy(l => l.ProfileId, StringComparer.Ordinal).ThenBy(l => l.Kind, StringComparer.Ordinal)
            .ToList();

        long Sum(LedgerKind kind, string account) => reported.Where(e => e.Is(kind)).Aggregate(0L, (s, e) => checked(s + e.On(account)));
        var loads = reported.Where(e => e.Is(LedgerKind.Load)).GroupBy(e => e.Source ?? "unknown", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Aggregate(0L, (s, e) => checked(s - e.On(LedgerAccounts.StoredValue))));
        var storedValueChange = reported.Aggregate(0L, (s, e) => checked(s - e.On(LedgerAccounts.StoredValue)));
        var scheme = new SchemeLine(
            openingFloatCents,
            loads,
            Sum(LedgerKind.Fare, LedgerAccounts.StoredValue),
            Sum(LedgerKind.Purchase, LedgerAccounts.StoredValue),
            Sum(LedgerKind.Reclaim, LedgerAccounts.StoredValue),
            Sum(LedgerKind.Debt, LedgerAccounts.CardDebts),
            Sum(LedgerKind.DebtSettled, LedgerAccounts.StoredValue),
            reported.Aggregate(0L, (s, e) => checked(s + e.On(LedgerAccounts.ProviderFees))),
            checked(openingFloatCents + storedValueChange));
        var adjustments = reported.Where(e => e.BusinessDay != day)
            .Select(e => new Adjustment(e.Id, e.BusinessDay, e.Kind, e.CardId, e.OperatorId, e.VenueId, -e.On(LedgerAccounts.StoredValue), e.Reference))
            .ToList();
        var (from, to) = Bounds(time, day);
        return new DayStatement(day, from, to, (to - from).BclCompatibleTicks / NodaConstants.TicksPerHour, upTo, reported.Count, grouped, scheme, adjustments);
    }
}
