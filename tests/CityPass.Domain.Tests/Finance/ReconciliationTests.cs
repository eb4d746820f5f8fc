using CityPass.Domain.Finance;
using NodaTime;

namespace CityPass.Domain.Tests.Finance;

public class ReconciliationTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 25, 17, 0);
    private static readonly LocalDate Day = new(2026, 11, 25);

    private static StripeReportRow Charge(int line, string txn, string pi, long gross, string currency = "eur", long fee = 30) =>
        new(line, txn, At, null, currency, gross, fee, gross - fee, "charge", "ch_" + pi, "ch_" + pi, pi, "po_1", null);

    private static LedgerLoad Load(string pi, long cents) => new(pi, Guid.NewGuid(), cents, "eur", "stripe", At, Day);

    [Fact]
    public void Matched_missing_mismatched_and_duplicated_rows_are_told_apart()
    {
        var rows = new[]
        {
            Charge(2, "txn_1", "pi_ok", 20_00), Charge(3, "txn_1", "pi_ok", 20_00), Charge(4, "txn_2", "pi_amount", 25_00),
            Charge(5, "txn_3", "pi_currency", 10_00, "usd"), Charge(6, "txn_4", "pi_stranger", 5_00),
        };
        var loads = new[] { Load("pi_ok", 20_00), Load("pi_amount", 30_00), Load("pi_currency", 10_00), Load("pi_unreported", 15_00) };

        var outcome = Reconciliation.Reconcile(rows, loads, EarlierImports.None, Day, Day);

        Assert.Equal("pi_ok", Assert.Single(outcome.Report.Matched).PaymentReference);
        Assert.Equal(
            [(DiscrepancyKind.MissingInLedger, "pi_stranger"), (DiscrepancyKind.MissingInReport, "pi_unreported"), (DiscrepancyKind.AmountMismatch, "pi_amount"),
             (DiscrepancyKind.CurrencyMismatch, "pi_currency"), (DiscrepancyKind.DuplicateRow, "txn_1")],
            outcome.Report.Discrepancies.Select(d => (d.Kind, d.Reference)).OrderBy(d => d.Kind));
        Assert.Equal(4, outcome.RowsToRecord.Count);
        Assert.Equal(4 * 30, outcome.Report.FeesCents);
    }

    [Fact]
    public void Rows_already_recorded_and_discrepancies_already_known_are_not_recorded_or_opened_again()
    {
        var rows = new[] { Charge(2, "txn_1", "pi_ok", 20_00), Charge(3, "txn_2", "pi_stranger", 5_00) };
        var first = Reconciliation.Reconcile(rows, [Load("pi_ok", 20_00)], EarlierImports.None, Day, Day);
        var events = new object[]
            {
                new ProviderTransactionRecorded(Guid.Empty, rows[0], "stripe", At), new ProviderTransactionRecorded(Guid.Empty, rows[1], "stripe", At),
                new ProviderReportImported(Guid.Empty, "r.csv", 2, first.Report, "finance", At),
            }
            .Concat(Reconciliation.New(first.Report, FinanceBooks.Empty).Select(d => (object)new DiscrepancyOpened(d, At)))
            .ToList();
        var books = events.Aggregate(FinanceBooks.Empty, (b, e) => b.Evolve(e));

        var second = Reconciliation.Reconcile(rows, [Load("pi_ok", 20_00)], EarlierImports.From(events), Day, Day);
        Assert.Empty(second.RowsToRecord);
        Assert.Empty(Reconciliation.New(second.Report, books));
        Assert.Single(books.Discrepancies.Values, d => d.IsOpen);
    }
}
