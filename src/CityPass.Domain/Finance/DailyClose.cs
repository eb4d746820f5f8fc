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
        var close = new DaysClose(day, day, upTo, previousUpTo);
        foreach (var e in entries)
            close.Add(e);
        return close.Statements(openingFloatCents, time)[0];
    }
}

/// <summary>
/// Closes the consecutive days <c>first</c>..<c>last</c> in one pass over their entries, in any order, holding sums
/// rather than entries (a city's busy day is 200,000 of them): each entry goes to the one statement that reports it —
/// its own business day, or the first day as an adjustment when it belongs to an earlier day and arrived after the
/// previous close (<see cref="DailyClose.Reports"/>; later days of the same close saw everything up to
/// <c>upTo</c> already). Entries past <c>upTo</c> or after <c>last</c> wait for a later close.
/// </summary>
public sealed class DaysClose(LocalDate first, LocalDate last, long upTo, long previousUpTo)
{
    private readonly Dictionary<LocalDate, DaySums> _days = [];

    public void Add(LedgerEntry e)
    {
        // The one day that may report it: its own, or the first for an earlier day's; the rule is DailyClose.Reports.
        var day = e.BusinessDay < first ? first : e.BusinessDay;
        if (day <= last && DailyClose.Reports(e, day, upTo, day == first ? previousUpTo : upTo))
            Sums(day).Add(e, adjustmentOf: e.BusinessDay == day ? null : e.BusinessDay);
    }

    /// <summary>One statement per day, in order, each opening with the float the day before closed with.</summary>
    public IReadOnlyList<DayStatement> Statements(long openingFloatCents, SchemeTime time)
    {
        var statements = new List<DayStatement>();
        for (var day = first; day <= last; day = day.PlusDays(1))
        {
            var statement = (_days.GetValueOrDefault(day) ?? new DaySums()).Statement(day, upTo, openingFloatCents, time);
            statements.Add(statement);
            openingFloatCents = statement.Scheme.ClosingFloatCents;
        }
        return statements;
    }

    private DaySums Sums(LocalDate day) => _days.TryGetValue(day, out var sums) ? sums : _days[day] = new DaySums();

    private sealed class DaySums
    {
        private readonly Dictionary<(string OperatorId, string? VenueId, string? ProductId, string? ProfileId, string Kind, LocalDate? AdjustmentOf), (int Visits, long Cents)> _operators = [];
        private readonly Dictionary<string, long> _loads = new(StringComparer.Ordinal);
        private readonly List<Adjustment> _adjustments = [];
        private long _fares, _sales, _reclaimed, _debts, _settled, _fees, _storedValueChange;
        private int _entries;

        public void Add(LedgerEntry e, LocalDate? adjustmentOf)
        {
            _entries++;
            var owes = false;
            foreach (var line in e.Lines)
            {
                if (!line.Account.StartsWith(LedgerAccounts.OperatorPrefix, StringComparison.Ordinal))
                    continue;
                owes = true;
                var operatorId = line.Account[LedgerAccounts.OperatorPrefix.Length..];
                Operator((operatorId, e.VenueId, e.ProductId, e.ProfileId, e.Kind, adjustmentOf), operatorId == e.OperatorId ? e.Visits : 0, checked(-line.Cents));
            }
            if (!owes && e.Visits > 0 && e.OperatorId is not null)
                Operator((e.OperatorId, e.VenueId, e.ProductId, e.ProfileId, e.Kind, adjustmentOf), e.Visits, 0);

            var storedValue = e.On(LedgerAccounts.StoredValue);
            if (e.Is(LedgerKind.Load))
                _loads[e.Source ?? "unknown"] = checked(_loads.GetValueOrDefault(e.Source ?? "unknown") - storedValue);
            if (e.Is(LedgerKind.Fare)) _fares = checked(_fares + storedValue);
            if (e.Is(LedgerKind.Purchase)) _sales = checked(_sales + storedValue);
            if (e.Is(LedgerKind.Reclaim)) _reclaimed = checked(_reclaimed + storedValue);
            if (e.Is(LedgerKind.Debt)) _debts = checked(_debts + e.On(LedgerAccounts.CardDebts));
            if (e.Is(LedgerKind.DebtSettled)) _settled = checked(_settled + storedValue);
            _fees = checked(_fees + e.On(LedgerAccounts.ProviderFees));
            _storedValueChange = checked(_storedValueChange - storedValue);
            if (adjustmentOf is { } original)
                _adjustments.Add(new Adjustment(e.Id, original, e.Kind, e.CardId, e.OperatorId, e.VenueId, -storedValue, e.Reference));
        }

        private void Operator((string, string?, string?, string?, string, LocalDate?) key, int visits, long cents)
        {
            var (v, c) = _operators.GetValueOrDefault(key);
            _operators[key] = (v + visits, checked(c + cents));
        }

        public DayStatement Statement(LocalDate day, long upTo, long openingFloatCents, SchemeTime time)
        {
            var operators = _operators
                .Select(o => new OperatorLine(o.Key.OperatorId, o.Key.VenueId, o.Key.ProductId, o.Key.ProfileId, o.Key.Kind, o.Key.AdjustmentOf, o.Value.Visits, o.Value.Cents))
                .OrderBy(l => l.OperatorId, StringComparer.Ordinal).ThenBy(l => l.AdjustmentOf).ThenBy(l => l.VenueId, StringComparer.Ordinal)
                .ThenBy(l => l.ProductId, StringComparer.Ordinal).ThenBy(l => l.ProfileId, StringComparer.Ordinal).ThenBy(l => l.Kind, StringComparer.Ordinal)
                .ToList();
            var loads = _loads.OrderBy(l => l.Key, StringComparer.Ordinal).ToDictionary(l => l.Key, l => l.Value);
            var scheme = new SchemeLine(openingFloatCents, loads, _fares, _sales, _reclaimed, _debts, _settled, _fees,
                checked(openingFloatCents + _storedValueChange));
            var (from, to) = DailyClose.Bounds(time, day);
            return new DayStatement(day, from, to, (to - from).BclCompatibleTicks / NodaConstants.TicksPerHour, upTo, _entries, operators, scheme,
                _adjustments.OrderBy(a => a.Sequence).ToList());
        }
    }
}
