using System.Globalization;
using CityPass.Domain.Finance;
using CsvHelper;
using CsvHelper.Configuration;
using NodaTime.Text;

namespace CityPass.Host.Finance.Reconciliation;

/// <summary>A line of the file that cannot be read: nothing of the file is imported.</summary>
public sealed record CsvProblem(int Line, string Message);

/// <summary>
/// Reads Stripe's balance-transaction reports (Reports → Balance / Payout reconciliation, itemized, downloaded as CSV):
/// Stripe's own column names, amounts in major units ("20.00"), times in UTC ("2026-11-25 17:00:05").
/// Columns other than these are ignored, so any itemized report with them can be imported.
/// </summary>
public static class StripeReportCsv
{
    public static readonly string[] Required = ["balance_transaction_id", "created_utc", "currency", "gross", "fee", "net", "reporting_category"];

    public static readonly string[] Optional = ["available_on_utc", "source_id", "charge_id", "payment_intent_id", "automatic_payout_id", "description"];

    private static readonly LocalDateTimePattern StripeUtc = LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss");
    private static readonly LocalDateTimePattern StripeUtcMinutes = LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm");

    public static (IReadOnlyList<StripeReportRow> Rows, CsvProblem? Problem) Parse(string text)
    {
        var rows = new List<StripeReportRow>();
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = true,
            DetectColumnCountChanges = true,
            TrimOptions = TrimOptions.Trim,
        };
        using var reader = new StringReader(text);
        using var csv = new CsvReader(reader, config);
        try
        {
            if (!csv.Read() || !csv.ReadHeader())
                return (rows, new CsvProblem(1, "The file is empty: a header row with Stripe's column names is expected."));
            var header = csv.HeaderRecord ?? [];
            var missing = Required.Where(c => !header.Contains(c, StringComparer.Ordinal)).ToList();
            if (missing.Count > 0)
                return (rows, new CsvProblem(1, $"The header lacks Stripe's column(s) {string.Join(", ", missing)}."));
            var has = Optional.ToDictionary(c => c, c => header.Contains(c, StringComparer.Ordinal));
            while (csv.Read())
            {
                var line = csv.Parser.RawRow;
                string? Optional(string column) => has[column] && csv.GetField(column) is { Length: > 0 } value ? value : null;
                string Field(string column) => csv.GetField(column) ?? "";

                var id = Field("balance_transaction_id");
                if (id.Length == 0)
                    return (rows, new CsvProblem(line, "balance_transaction_id is empty."));
                if (!TryInstant(Field("created_utc"), out var created))
                    return (rows, new CsvProblem(line, $"created_utc '{Field("created_utc")}' is not a UTC time like 2026-11-25 17:00:05."));
                Instant? availableOn = null;
                if (Optional("available_on_utc") is { } available)
                {
                    if (!TryInstant(available, out var at))
                        return (rows, new CsvProblem(line, $"available_on_utc '{available}' is not a UTC time like 2026-11-27 00:00:00."));
                    availableOn = at;
                }
                var currency = Field("currency").ToLowerInvariant();
                if (currency.Length != 3 || !currency.All(char.IsAsciiLetterLower))
                    return (rows, new CsvProblem(line, $"currency '{Field("currency")}' is not an ISO 4217 code."));
                var amounts = new long[3];
                var names = new[] { "gross", "fee", "net" };
                for (var i = 0; i < 3; i++)
                {
                    if (!TryCents(Field(names[i]), out amounts[i]))
                        return (rows, new CsvProblem(line, $"{names[i]} '{Field(names[i])}' is not an amount in {currency} like 20.00."));
                }
                if (checked(amounts[0] - amounts[1]) != amounts[2])
                    return (rows, new CsvProblem(line, $"net {Field("net")} is not gross {Field("gross")} minus fee {Field("fee")}."));
                var category = Field("reporting_category");
                if (category.Length == 0)
                    return (rows, new CsvProblem(line, "reporting_category is empty."));
                rows.Add(new StripeReportRow(line, id, created, availableOn, currency, amounts[0], amounts[1], amounts[2], category,
                    Optional("source_id"), Optional("charge_id"), Optional("payment_intent_id"), Optional("automatic_payout_id"), Optional("description")));
            }
        }
        catch (CsvHelperException e)
        {
            return (rows, new CsvProblem(e.Context?.Parser?.RawRow ?? 0, $"The file is not valid CSV here: {FirstLine(e.Message)}"));
        }
        return rows.Count == 0 ? (rows, new CsvProblem(1, "The report has no rows.")) : (rows, null);
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private static bool TryInstant(string text, out Instant instant)
    {
        instant = default;
        var parsed = StripeUtc.Parse(text);
        if (!parsed.Success)
            parsed = StripeUtcMinutes.Parse(text);
        if (parsed.Success)
        {
            instant = parsed.Value.InUtc().ToInstant();
            return true;
        }
        var iso = InstantPattern.ExtendedIso.Parse(text);
        instant = iso.Success ? iso.Value : default;
        return iso.Success;
    }

    /// <summary>"20.00", "-0.58", "20" as cents; more than two decimals is refused rather than rounded.</summary>
    public static bool TryCents(string text, out long cents)
    {
        cents = 0;
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var major))
            return false;
        var scaled = major * 100;
        if (scaled != decimal.Truncate(scaled) || scaled > long.MaxValue || scaled < long.MinValue)
            return false;
        cents = (long)scaled;
        return true;
    }
}
