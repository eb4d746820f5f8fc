using NodaTime;

namespace CityPass.Domain.Finance;

/// <summary>What the scheme owes an operator over a period, by venue and product.</summary>
public sealed record SettlementLine(string? VenueId, string? ProductId, string? ProfileId, string Kind, int Visits, long AmountCents);

/// <param name="GrossCents">Redemptions at the operator's venues and its share of product sales, adjustments included.</param>
/// <param name="CommissionBasisPoints">The scheme's agreed commission (100 basis points = 1 %).</param>
/// <param name="CommissionCents">Rounded half away from zero on the period's total, once.</param>
/// <param name="PayableCents">Gross minus commission: what the scheme pays the operator.</param>
public sealed record SettlementStatement(
    string OperatorId,
    LocalDate From,
    LocalDate To,
    IReadOnlyList<LocalDate> Days,
    IReadOnlyList<SettlementLine> Lines,
    int Visits,
    long GrossCents,
    int CommissionBasisPoints,
    long CommissionCents,
    long PayableCents);

public static class Settlement
{
    /// <summary>
    /// Settles from closed days' statements only, so a settlement never moves once issued: late data is settled with
    /// the day it was reported on.
    /// </summary>
    public static SettlementStatement Settle(string operatorId, LocalDate from, LocalDate to, IEnumerable<DayStatement> statements, int commissionBasisPoints)
    {
        var days = statements.Where(s => s.Day >= from && s.Day <= to).OrderBy(s => s.Day).ToList();
        var lines = days.SelectMany(s => s.Operators).Where(l => l.OperatorId == operatorId)
            .GroupBy(l => (l.VenueId, l.ProductId, l.ProfileId, l.Kind))
            .Select(g => new SettlementLine(g.Key.VenueId, g.Key.ProductId, g.Key.ProfileId, g.Key.Kind, g.Sum(l => l.Visits), g.Aggregate(0L, (s, l) => checked(s + l.AmountCents))))
            .OrderBy(l => l.VenueId, StringComparer.Ordinal).ThenBy(l => l.ProductId, StringComparer.Ordinal)
            .ThenBy(l => l.ProfileId, StringComparer.Ordinal).ThenBy(l => l.Kind, StringComparer.Ordinal)
            .ToList();
        var gross = lines.Aggregate(0L, (s, l) => checked(s + l.AmountCents));
        var commission = Commission(gross, commissionBasisPoints);
        return new SettlementStatement(operatorId, from, to, days.Select(d => d.Day).ToList(), lines, lines.Sum(l => l.Visits),
            gross, commissionBasisPoints, commission, checked(gross - commission));
    }

    /// <summary>gross × bp / 10 000, rounded half away from zero, in integers.</summary>
    public static long Commission(long grossCents, int basisPoints)
    {
        var product = checked(grossCents * basisPoints);
        var quotient = product / 10_000;
        var remainder = product % 10_000;
        return Math.Abs(remainder) * 2 >= 10_000 ? quotient + Math.Sign(product) : quotient;
    }
}
