using System.Globalization;
using System.Text;
using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using CityPass.Host.Finance.Closing;
using CityPass.Host.Localization;
using CsvHelper;
using CsvHelper.Configuration.Attributes;
using Microsoft.Extensions.Localization;
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
            .WithSummary("Finance: what the scheme owes an operator over closed days from..to (inclusive): redemptions and product shares minus the agreed commission. ?format=csv for CSV, csv-fr for French spreadsheets (semicolons, decimal comma, UTF-8 with BOM).");

    private static async Task<IResult> Read(string operatorId, string? from, string? to, string? format, IQuerySession session, IOptions<FinanceOptions> options,
        IStringLocalizer<Texts> texts, CancellationToken ct)
    {
        if (!FinanceHttp.TryDate(from, out var start))
            return FinanceHttp.BadDate("from", from);
        if (!FinanceHttp.TryDate(to, out var end))
            return FinanceHttp.BadDate("to", to);
        if (end < start)
            return Problems.BadRequest("Invalid period", $"The period ends ({end:yyyy-MM-dd}) before it starts ({start:yyyy-MM-dd}).");
        if (Period.Between(start, end, PeriodUnits.Days).Days > 366)
            return Problems.BadRequest("Invalid period", "A settlement covers at most a year.");
        if (format is not (null or "json" or "csv" or "csv-fr"))
            return Problems.BadRequest("Invalid format", $"format is json, csv or csv-fr (got '{format}').");
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
        var period = $"{operatorId}-{start:yyyy-MM-dd}-{end:yyyy-MM-dd}";
        return format switch
        {
            "csv" => Results.File(Encoding.UTF8.GetBytes(ToCsv(settlement)), "text/csv; charset=utf-8", $"settlement-{period}.csv"),
            "csv-fr" => Results.File([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(ToFrenchCsv(settlement, texts))], "text/csv; charset=utf-8",
                $"{texts.In(LocalizationSetup.French, "Csv.FileName")}-{period}.csv"),
            _ => TypedResults.Ok(settlement),
        };
    }

    /// <summary>
    /// The same rows for French spreadsheets, which open it directly: French headers, semicolons, amounts in euros with a
    /// decimal comma (no thousands separator); the caller prefixes the UTF-8 byte order mark.
    /// </summary>
    public static string ToFrenchCsv(SettlementStatement s, IStringLocalizer<Texts> texts)
    {
        var fr = LocalizationSetup.French;
        string T(string key, params object[] a) => texts.In(fr, key, a);
        string Euros(long cents) => (cents / 100m).ToString("0.00", fr);
        string Kind(string kind) => T("Kind." + kind) is var text && text != "Kind." + kind ? text : kind;
        var (from, to) = (s.From.ToString("yyyy-MM-dd", null), s.To.ToString("yyyy-MM-dd", null));
        using var writer = new StringWriter(fr);
        using var csv = new CsvWriter(writer, new CsvHelper.Configuration.CsvConfiguration(fr) { Delimiter = ";" });
        foreach (var header in new[] { "Csv.Operator", "Csv.From", "Csv.To", "Csv.Kind", "Csv.Venue", "Csv.Product", "Csv.Profile", "Csv.Visits", "Csv.Amount" })
            csv.WriteField(T(header));
        csv.NextRecord();
        void Row(string kind, string? venue, string? product, string? profile, int visits, long cents)
        {
            foreach (var field in new[] { s.OperatorId, from, to, kind, venue ?? "", product ?? "", profile ?? "", visits.ToString(fr), Euros(cents) })
                csv.WriteField(field);
            csv.NextRecord();
        }
        foreach (var l in s.Lines)
            Row(Kind(l.Kind), l.VenueId, l.ProductId, l.ProfileId, l.Visits, l.AmountCents);
        Row(T("Csv.Gross"), null, null, null, s.Visits, s.GrossCents);
        Row(T("Csv.Commission", s.CommissionBasisPoints), null, null, null, 0, -s.CommissionCents);
        Row(T("Csv.Payable"), null, null, null, 0, s.PayableCents);
        csv.Flush();
        return writer.ToString();
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
