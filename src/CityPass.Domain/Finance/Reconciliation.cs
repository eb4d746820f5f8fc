using NodaTime;

namespace CityPass.Domain.Finance;

/// <summary>
/// One row of Stripe's balance-transaction report (itemized balance change from activity, or payout reconciliation),
/// with Stripe's column names. Amounts in cents: Stripe's report gives them in major units ("20.00").
/// </summary>
/// <param name="Line">The line of the file it came from (the header is line 1).</param>
public sealed record StripeReportRow(
    int Line,
    string BalanceTransactionId,
    Instant CreatedUtc,
    Instant? AvailableOnUtc,
    string Currency,
    long GrossCents,
    long FeeCents,
    long NetCents,
    string ReportingCategory,
    string? SourceId,
    string? ChargeId,
    string? PaymentIntentId,
    string? AutomaticPayoutId,
    string? Description)
{
    /// <summary>The references a ledger load may carry for this payment: PaymentIntent first, then charge, then source.</summary>
    public IEnumerable<string> PaymentReferences =>
        new[] { PaymentIntentId, ChargeId, SourceId }.Where(r => !string.IsNullOrEmpty(r)).Select(r => r!);
}

/// <summary>A load through a payment provider, as the ledger knows it.</summary>
/// <param name="PaymentReference">The PaymentIntent id (the load's idempotency key).</param>
public sealed record LedgerLoad(string PaymentReference, Guid? CardId, long Cents, string Currency, string Source, Instant At, LocalDate Day);

public sealed record MatchedPayment(string PaymentReference, string BalanceTransactionId, long GrossCents, long FeeCents, long NetCents, string? PayoutId);

/// <summary>Which payout paid which loads.</summary>
public sealed record PayoutLine(string PayoutId, IReadOnlyList<string> PaymentReferences, long NetCents);

public sealed record ReconciliationReport(
    LocalDate From,
    LocalDate To,
    IReadOnlyList<MatchedPayment> Matched,
    IReadOnlyList<Discrepancy> Discrepancies,
    IReadOnlyList<PayoutLine> Payouts,
    long FeesCents,
    int NewRows,
    int AlreadyRecordedRows);

public sealed record ReconciliationOutcome(ReconciliationReport Report, IReadOnlyList<StripeReportRow> RowsToRecord);

/// <summary>
/// What earlier imports recorded, as far as one report needs it: which of its balance transactions were recorded, and
/// which payments of its days some report showed. Read for the report's own ids, never the whole history.
/// </summary>
public sealed record EarlierImports(IReadOnlySet<string> RecordedTransactions, IReadOnlySet<string> ReportedPayments)
{
    public static readonly EarlierImports None = new(new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));

    /// <summary>The same sets folded from the books' events (what the documents are projected from).</summary>
    public static EarlierImports From(IEnumerable<object> events)
    {
        var (recorded, reported) = (new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
        foreach (var e in events)
        {
            if (e is ProviderTransactionRecorded row)
                recorded.Add(row.Row.BalanceTransactionId);
            else if (e is ProviderReportImported report)
                reported.UnionWith(Reconciliation.ReportedPayments(report.Report));
        }
        return new EarlierImports(recorded, reported);
    }
}

public static class Reconciliation
{
    public const string LedgerCurrency = "eur";

    /// <summary>
    /// Matches the report's charges to the ledger's loads by PaymentIntent (or charge) id. Rows are recorded once, by
    /// balance transaction id: a repeated row in one report is a discrepancy, a row an earlier import recorded is skipped.
    /// </summary>
    /// <param name="loads">The ledger's provider loads of the report's days, and any the report names.</param>
    public static ReconciliationOutcome Reconcile(IReadOnlyList<StripeReportRow> rows, IReadOnlyList<LedgerLoad> loads, EarlierImports earlier, LocalDate from, LocalDate to)
    {
        var discrepancies = new List<Discrepancy>();
        var kept = new List<StripeReportRow>();
        foreach (var group in rows.GroupBy(r => r.BalanceTransactionId, StringComparer.Ordinal))
        {
            kept.Add(group.First());
            foreach (var repeat in group.Skip(1))
                discrepancies.Add(new Discrepancy($"{DiscrepancyKind.DuplicateRow}:{repeat.BalanceTransactionId}", DiscrepancyKind.DuplicateRow,
                    repeat.BalanceTransactionId, $"Balance transaction {repeat.BalanceTransactionId} appears again on line {repeat.Line} (first on line {group.First().Line}); counted once.",
                    null, repeat.GrossCents));
        }

        var byReference = loads.GroupBy(l => l.PaymentReference, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var matched = new List<MatchedPayment>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in kept.Where(r => r.ReportingCategory == "charge"))
        {
            var load = row.PaymentReferences.Select(r => byReference.GetValueOrDefault(r)).FirstOrDefault(l => l is not null);
            var reference = load?.PaymentReference ?? row.PaymentReferences.FirstOrDefault() ?? row.BalanceTransactionId;
            seen.Add(reference);
            if (load is null)
                discrepancies.Add(new Discrepancy($"{DiscrepancyKind.MissingInLedger}:{reference}", DiscrepancyKind.MissingInLedger, reference,
                    $"Stripe took {Cents(row.GrossCents)} {row.Currency} ({row.BalanceTransactionId}, line {row.Line}) but no card was loaded with it.", null, row.GrossCents));
            else if (!string.Equals(row.Currency, load.Currency, StringComparison.OrdinalIgnoreCase))
                discrepancies.Add(new Discrepancy($"{DiscrepancyKind.CurrencyMismatch}:{reference}", DiscrepancyKind.CurrencyMismatch, reference,
                    $"Stripe reports {row.Currency}, the ledger loaded {load.Currency} (line {row.Line}).", load.Cents, row.GrossCents));
            else if (row.GrossCents != load.Cents)
                discrepancies.Add(new Discrepancy($"{DiscrepancyKind.AmountMismatch}:{reference}", DiscrepancyKind.AmountMismatch, reference,
                    $"Stripe took {Cents(row.GrossCents)}, the ledger loaded {Cents(load.Cents)} (line {row.Line}).", load.Cents, row.GrossCents));
            else
                matched.Add(new MatchedPayment(reference, row.BalanceTransactionId, row.GrossCents, row.FeeCents, row.NetCents, row.AutomaticPayoutId));
        }

        foreach (var load in loads.Where(l => l.Day >= from && l.Day <= to && !seen.Contains(l.PaymentReference) && !earlier.ReportedPayments.Contains(l.PaymentReference))
                     .OrderBy(l => l.At))
            discrepancies.Add(new Discrepancy($"{DiscrepancyKind.MissingInReport}:{load.PaymentReference}", DiscrepancyKind.MissingInReport, load.PaymentReference,
                $"The ledger loaded {Cents(load.Cents)} on {load.Day:yyyy-MM-dd} ({load.Source}) but the report does not show the payment.", load.Cents, null));

        var payouts = matched.Where(m => m.PayoutId is not null).GroupBy(m => m.PayoutId!, StringComparer.Ordinal)
            .Select(g => new PayoutLine(g.Key, g.Select(m => m.PaymentReference).ToList(), g.Aggregate(0L, (s, m) => checked(s + m.NetCents))))
            .OrderBy(p => p.PayoutId, StringComparer.Ordinal).ToList();
        var newRows = kept.Where(r => !earlier.RecordedTransactions.Contains(r.BalanceTransactionId)).ToList();
        var fees = kept.Aggregate(0L, (s, r) => checked(s + r.FeeCents + (r.ReportingCategory is "fee" or "stripe_fee" ? -r.GrossCents : 0)));
        var report = new ReconciliationReport(from, to, matched, discrepancies, payouts, fees, newRows.Count, kept.Count - newRows.Count);
        return new ReconciliationOutcome(report, newRows);
    }

    /// <summary>The payments a report showed: those it matched, and those it found with another amount or currency.</summary>
    public static IEnumerable<string> ReportedPayments(ReconciliationReport report) =>
        report.Matched.Select(m => m.PaymentReference)
            .Concat(report.Discrepancies.Where(d => d.Kind is DiscrepancyKind.AmountMismatch or DiscrepancyKind.CurrencyMismatch).Select(d => d.Reference));

    /// <summary>The discrepancies of a report the books do not hold yet (open or resolved): a re-import opens nothing twice.</summary>
    public static IReadOnlyList<Discrepancy> New(ReconciliationReport report, FinanceBooks books) =>
        report.Discrepancies.Where(d => !books.Discrepancies.ContainsKey(d.Id)).GroupBy(d => d.Id).Select(g => g.First()).ToList();

    private static string Cents(long cents) => Money.FromCents(cents).ToString();
}
