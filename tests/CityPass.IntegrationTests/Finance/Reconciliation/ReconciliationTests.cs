using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityPass.Domain.Finance;
using CityPass.Host.Finance.Reconciliation;
using CityPass.IntegrationTests.Payments;
using NodaTime;
using NodaTime.Text;

namespace CityPass.IntegrationTests.Finance.Reconciliation;

[Collection(CityPassCollection.Name)]
public class ReconciliationTests(CityPassHost host)
{
    private const string Header = "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description,charge_id,payment_intent_id,automatic_payout_id";

    private string Now => LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss").Format(host.Clock.GetCurrentInstant().InUtc().LocalDateTime);

    private static HttpContent Csv(params string[] lines) => new StringContent(string.Join("\r\n", lines) + "\r\n", Encoding.UTF8, "text/csv");

    [Fact]
    public async Task A_report_with_matched_mismatched_missing_and_duplicated_rows_opens_discrepancies_once_and_posts_the_fees()
    {
        var (holder, _, card) = await host.CardholderWithCard();
        var paid = await holder.StartedReload(card.Id, 20_00);
        var wrong = await holder.StartedReload(card.Id, 30_00);
        var unreported = await holder.StartedReload(card.Id, 10_00);
        foreach (var (reload, cents) in new[] { (paid, 20_00L), (wrong, 30_00L), (unreported, 10_00L) })
            await host.PostStripeEvent(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, cents));
        var before = await host.TrialBalance();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var report = new[]
        {
            Header,
            $"txn_{tag}_1,{Now},,eur,20.00,0.55,19.45,charge,ch_{tag}_1,Reload,ch_{tag}_1,{paid.PaymentIntentId},po_{tag}",
            $"txn_{tag}_1,{Now},,eur,20.00,0.55,19.45,charge,ch_{tag}_1,Reload,ch_{tag}_1,{paid.PaymentIntentId},po_{tag}",
            $"txn_{tag}_2,{Now},,eur,25.00,0.63,24.37,charge,ch_{tag}_2,Reload,ch_{tag}_2,{wrong.PaymentIntentId},po_{tag}",
            $"txn_{tag}_3,{Now},,eur,12.00,0.42,11.58,charge,ch_{tag}_3,Reload,ch_{tag}_3,pi_{tag}_unknown,po_{tag}",
            $"txn_{tag}_4,{Now},,eur,-50.00,0.00,-50.00,payout,po_{tag},STRIPE PAYOUT,,,",
        };

        var finance = await host.Finance();
        var imported = await finance.PostAsync("/finance/reconciliation/stripe-report?name=november.csv", Csv(report));
        Assert.Equal(HttpStatusCode.Created, imported.StatusCode);
        var result = (await imported.Content.ReadFromJsonAsync<ImportResult>(Api.Json))!;
        var matched = Assert.Single(result.Report.Matched);
        Assert.Equal((paid.PaymentIntentId, $"txn_{tag}_1", 55L, $"po_{tag}"), (matched.PaymentReference, matched.BalanceTransactionId, matched.FeeCents, matched.PayoutId));
        Assert.Equal([paid.PaymentIntentId!], Assert.Single(result.Report.Payouts).PaymentReferences);
        Assert.Equal(4, result.Report.NewRows);
        Assert.Contains(result.Report.Discrepancies, d => d.Kind == DiscrepancyKind.DuplicateRow && d.Reference == $"txn_{tag}_1");
        Assert.Contains(result.Report.Discrepancies, d => d.Kind == DiscrepancyKind.AmountMismatch && d.Reference == wrong.PaymentIntentId && d.LedgerCents == 30_00 && d.ReportCents == 25_00);
        Assert.Contains(result.Report.Discrepancies, d => d.Kind == DiscrepancyKind.MissingInLedger && d.Reference == $"pi_{tag}_unknown");
        Assert.Contains(result.Report.Discrepancies, d => d.Kind == DiscrepancyKind.MissingInReport && d.Reference == unreported.PaymentIntentId);
        Assert.DoesNotContain(result.Report.Discrepancies, d => d.Reference == paid.PaymentIntentId);
        // Opened at this import (the host's clock), in the answer as in the list: never 1970-01-01.
        var importedAt = host.Clock.GetCurrentInstant();
        Assert.All(result.Report.Discrepancies, d => Assert.InRange(d.OpenedAt, importedAt - Duration.FromMinutes(1), importedAt));
        Assert.All((await finance.GetFromJsonAsync<List<Discrepancy>>("/finance/discrepancies", Api.Json))!.Where(d => d.Reference.Contains(tag, StringComparison.Ordinal)),
            d => Assert.InRange(d.OpenedAt, importedAt - Duration.FromMinutes(1), importedAt));

        // Fees (0.55 + 0.63 + 0.42) and the payout are posted against the provider's clearing account; still balanced.
        var after = await host.TrialBalance();
        long Change(string account) => (after.Accounts.SingleOrDefault(a => a.Account == account)?.BalanceCents ?? 0) - (before.Accounts.SingleOrDefault(a => a.Account == account)?.BalanceCents ?? 0);
        Assert.Equal(1_60, Change(LedgerAccounts.ProviderFees));
        Assert.Equal(50_00, Change(LedgerAccounts.Bank));
        Assert.Equal(0, after.TotalCents);

        // The same report again records nothing new and opens nothing twice.
        var repeat = (await (await finance.PostAsync("/finance/reconciliation/stripe-report", Csv(report))).Content.ReadFromJsonAsync<ImportResult>(Api.Json))!;
        Assert.Equal((0, 4, 0), (repeat.Report.NewRows, repeat.Report.AlreadyRecordedRows, repeat.DiscrepanciesOpened));
        Assert.Equal(1_60, (await host.TrialBalance()).Accounts.Single(a => a.Account == LedgerAccounts.ProviderFees).BalanceCents
                           - (before.Accounts.SingleOrDefault(a => a.Account == LedgerAccounts.ProviderFees)?.BalanceCents ?? 0));

        // A discrepancy stays open until a finance user resolves it with a note.
        var id = $"{DiscrepancyKind.MissingInLedger}:pi_{tag}_unknown";
        var open = (await finance.GetFromJsonAsync<List<Discrepancy>>("/finance/discrepancies", Api.Json))!;
        Assert.Contains(open, d => d.Id == id);
        Assert.Equal(HttpStatusCode.BadRequest, (await finance.PostAsJsonAsync($"/finance/discrepancies/{id}/resolve", new { note = " " })).StatusCode);
        var resolved = await finance.PostAsJsonAsync($"/finance/discrepancies/{id}/resolve", new { note = "Paid on a test card outside CityPass; refunded in Stripe." });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var audit = (await resolved.Content.ReadFromJsonAsync<Discrepancy>(Api.Json))!;
        Assert.Equal((CityPassHost.FinanceEmail, false), (audit.ResolvedBy, audit.IsOpen));
        Assert.Equal(HttpStatusCode.Conflict, (await finance.PostAsJsonAsync($"/finance/discrepancies/{id}/resolve", new { note = "again" })).StatusCode);
        Assert.DoesNotContain((await finance.GetFromJsonAsync<List<Discrepancy>>("/finance/discrepancies", Api.Json))!, d => d.Id == id);
        Assert.Contains((await finance.GetFromJsonAsync<List<Discrepancy>>("/finance/discrepancies?status=all", Api.Json))!, d => d.Id == id && d.Note!.StartsWith("Paid on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_malformed_report_is_refused_with_its_line_number_and_writes_nothing()
    {
        var finance = await host.Finance();
        await host.LedgerCaughtUp();
        var rows = await host.RowCount();
        var response = await finance.PostAsync("/finance/reconciliation/stripe-report", Csv(
            Header,
            $"txn_ok,{Now},,eur,20.00,0.55,19.45,charge,ch_1,Reload,ch_1,pi_1,po_1",
            $"txn_bad,{Now},,eur,twenty,0.55,19.45,charge,ch_2,Reload,ch_2,pi_2,po_1"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, problem.GetProperty("line").GetInt32());
        Assert.Contains("gross", problem.GetProperty("detail").GetString());
        Assert.Equal(rows, await host.RowCount());

        var noColumns = await finance.PostAsync("/finance/reconciliation/stripe-report", Csv("id,amount", "txn_1,20.00"));
        Assert.Equal(HttpStatusCode.BadRequest, noColumns.StatusCode);
        Assert.Contains("balance_transaction_id", (await noColumns.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(rows, await host.RowCount());
    }

    [Theory]
    [InlineData("20.00", 2000L)]
    [InlineData("-0.58", -58L)]
    [InlineData("7", 700L)]
    public void Stripe_amounts_in_major_units_become_cents(string text, long cents)
    {
        Assert.True(StripeReportCsv.TryCents(text, out var parsed));
        Assert.Equal(cents, parsed);
    }

    [Theory]
    [InlineData("0.555")]
    [InlineData("1e3")]
    [InlineData("")]
    public void Amounts_with_fractions_of_cents_or_other_forms_are_refused(string text) =>
        Assert.False(StripeReportCsv.TryCents(text, out _));
}
