using System.Globalization;
using System.Text;
using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using CityPass.Host.Finance.Closing;
using CsvHelper;
using CsvHelper.Configuration.Attributes;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Finance.Settlement;

/// <summary>One row of the CSV export: the statement's lines, then its totals (kind gross, commission, payable).</summary>
public sealed record SettlementCsvRow(
    [property: Name("operator_id")] string OperatorId,
    [property: Name("period_from")] string PeriodFrom,
    [property: Name("period_to")] string PeriodTo,
    [property: Name("kind")] string Kind,
    [property: Name("venue_id")] string VenueId,
    [property: Name("product_id")] string ProductId,
    [property: Name("profile_id")] string ProfileId,
    [property: Name("visits")] int Visits,
    [property: Name("amount_cents")] long AmountCents);

public static class Settlements
{
    public static void MapSettlements(this IEndpointRouteBuilder app) =>
        app.FinanceGroup().MapGet("/settlements/{operatorId}", Read)
            .WithName("OperatorSettlement")
            .WithSummary("Finance: what the scheme owes an operator over closed days from..to (inclusive): redemptions and product shares minus the agreed commission. ?format=csv for CSV.");

    private static async Task<IResult> Read(string operatorId, string? from, string? to, string? format, IQuerySession session, IOptions<FinanceOptions> options, CancellationToken ct)
    {
        if (!FinanceHttp.TryDate(from, out var start))
            return FinanceHttp.BadDate("from", from);
        if (!FinanceHttp.TryDate(to, out var end))
            return FinanceHttp.BadDate("to", to);
        if (end < start)
            return Problems.BadRequest("Invalid period", $"The period ends ({end:yyyy-MM-dd}) before it starts ({start:yyyy-MM-dd}).");
        if (Period.Between(start, end, PeriodUnits.Days).Days > 366)
            return Problems.BadRequest("Invalid period", "A settlement covers at most a year.");
        if (format is not (null or "json" or "csv"))
            return Problems.BadRequest("Invalid format", $"format is json or csv (got '{format}').");
        var scheme = await session.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty;
        if (!scheme.Operators.ContainsKey(operatorId) && operatorId != PostingRules.UnknownOperator)
            return Problems.NotFound("Unknown operator", $"The scheme has no operator '{operatorId}'.");

        var ids = new List<string>();
        for (var d = start; d <= end; d = d.PlusDays(1))
            ids.Add(d.ToString("yyyy-MM-dd", null));
        var statements = await session.LoadManyAsync<ClosedDayStatement>(ct, ids);
        var open = ids.Except(statements.Select(s => s.Id)).ToList();
        if (open.Count > 0)
            return Problems.Conflict("Period not closed", $"A settlement is made from closed days only; {open[0]} is not closed ({open.Count} day(s) open in the period).");

        var settlement = Domain.Finance.Settlement.Settle(operatorId, start, end, statements.Select(s => s.Statement), options.Value.CommissionFor(operatorId));
        return format == "csv"
            ? Results.File(Encoding.UTF8.GetBytes(ToCsv(settlement)), "text/csv; charset=utf-8", $"settlement-{operatorId}-{start:yyyy-MM-dd}-{end:yyyy-MM-dd}.csv")
            : TypedResults.Ok(settlement);
    }

    public static string ToCsv(SettlementStatement s)
    {
        var (from, to) = (s.From.ToString("yyyy-MM-dd", null), s.To.ToString("yyyy-MM-dd", null));
        var rows = s.Lines.Select(l => new SettlementCsvRow(s.OperatorId, from, to, l.Kind, l.VenueId ?? "", l.ProductId ?? "", l.ProfileId ?? "", l.Visits, l.AmountCents))
            .Append(new SettlementCsvRow(s.OperatorId, from, to, "gross", "", "", "", s.Visits, s.GrossCents))
            .Append(new SettlementCsvRow(s.OperatorId, from, to, $"commission {s.CommissionBasisPoints} bp", "", "", "", 0, -s.CommissionCents))
            .Append(new SettlementCsvRow(s.OperatorId, from, to, "payable", "", "", "", 0, s.PayableCents));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        csv.WriteRecords(rows);
        csv.Flush();
        return writer.ToString();
    }
}
