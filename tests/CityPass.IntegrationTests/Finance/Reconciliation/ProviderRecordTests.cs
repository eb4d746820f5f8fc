using System.Net;
using System.Net.Http.Json;
using System.Text;
using CityPass.Domain.Finance;
using CityPass.Host.Finance.Closing;
using CityPass.Host.Finance.Reconciliation;
using CityPass.IntegrationTests.Payments;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;

namespace CityPass.IntegrationTests.Finance.Reconciliation;

/// <summary>The provider's recorded rows and reported payments live in documents keyed by id, not in the books document.</summary>
public class ProviderRecordTests(FinanceHost host) : IClassFixture<FinanceHost>
{
    private const string Header = "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description,charge_id,payment_intent_id,automatic_payout_id";

    private static readonly LocalDateTimePattern StripeUtc = LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss");

    private static HttpContent Csv(IEnumerable<string> lines) => new StringContent(string.Join("\r\n", lines) + "\r\n", Encoding.UTF8, "text/csv");

    private IDocumentStore Store => host.Services.GetRequiredService<IDocumentStore>();

    private async Task<(string Tag, string PaymentIntent, string[] Report)> PaidReloadAndItsReport()
    {
        var (holder, _, card) = await host.CardholderWithCard();
        var paid = await holder.StartedReload(card.Id, 20_00);
        await host.PostStripeEvent(StripeEvents.Succeeded(paid.PaymentIntentId!, paid.Id, 20_00));
        var now = StripeUtc.Format(host.Clock.GetCurrentInstant().InUtc().LocalDateTime);
        var tag = Guid.NewGuid().ToString("N")[..8];
        return (tag, paid.PaymentIntentId!,
        [
            Header,
            $"txn_{tag}_1,{now},,eur,20.00,0.55,19.45,charge,ch_{tag}_1,Reload,ch_{tag}_1,{paid.PaymentIntentId},po_{tag}",
            $"txn_{tag}_2,{now},,eur,-0.20,0.00,-0.20,stripe_fee,,Radar,,,po_{tag}",
            $"txn_{tag}_3,{now},,eur,-19.25,0.00,-19.25,payout,po_{tag},STRIPE PAYOUT,,,",
        ]);
    }

    private static async Task<ImportResult> Import(HttpClient finance, string[] report)
    {
        var response = await finance.PostAsync("/finance/reconciliation/stripe-report", Csv(report));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ImportResult>(Api.Json))!;
    }

    [Fact]
    public async Task Two_imports_of_one_report_and_a_close_at_once_record_each_row_once_in_documents_not_in_the_books()
    {
        host.At(new LocalDateTime(2026, 12, 2, 12, 0));
        var (tag, paymentIntent, report) = await PaidReloadAndItsReport();
        var finance = await host.Finance();
        var fees = (await host.TrialBalance()).Accounts.SingleOrDefault(a => a.Account == LedgerAccounts.ProviderFees)?.BalanceCents ?? 0;
        host.At(new LocalDateTime(2026, 12, 3, 5, 0));

        var first = Import(finance, report);
        var second = Import(finance, report);
        var close = finance.PostAsync("/finance/days/2026-12-02/close", null);
        await Task.WhenAll(first, second, close);

        Assert.Equal(HttpStatusCode.Created, (await close).StatusCode);
        Assert.Equal((3, 3), ((await first).Report.NewRows + (await second).Report.NewRows, (await first).Report.AlreadyRecordedRows + (await second).Report.AlreadyRecordedRows));
        Assert.All([await first, await second], r => Assert.Equal(paymentIntent, Assert.Single(r.Report.Matched).PaymentReference));
        await using var session = Store.QuerySession();
        Assert.Equal(3, await session.Query<ProviderTransaction>().CountAsync(t => t.Id.StartsWith($"txn_{tag}_")));
        Assert.NotNull(await session.LoadAsync<ReportedPayment>(paymentIntent));
        // The books document holds closed days and discrepancies only: none of the provider's ids.
        Assert.DoesNotContain(tag, await session.Json.FindByIdAsync<FinanceBooks>(FinanceBooks.StreamId), StringComparison.Ordinal);
        Assert.DoesNotContain(paymentIntent, await session.Json.FindByIdAsync<FinanceBooks>(FinanceBooks.StreamId), StringComparison.Ordinal);
        // The fees (0.55 + 0.20) were posted once.
        Assert.Equal(75, (await host.TrialBalance()).Accounts.Single(a => a.Account == LedgerAccounts.ProviderFees).BalanceCents - fees);
    }

    /// <summary>The import writes these documents with SQL of its own (Marten's unit of work scans its queue per document):
    /// Marten reads them back as its own, and storing twice keeps the last, as a Marten store would.</summary>
    [Fact]
    public async Task The_documents_an_import_writes_are_read_back_by_marten_and_a_later_report_of_a_payment_is_the_one_kept()
    {
        var (tag, paymentIntent, report) = await PaidReloadAndItsReport();
        var finance = await host.Finance();
        var first = await Import(finance, report);
        var again = await Import(finance, report);
        Assert.NotEqual(first.ImportId, again.ImportId);

        await using var query = Store.QuerySession();
        var recorded = await query.Query<ProviderTransaction>().Where(t => t.Id.StartsWith($"txn_{tag}_")).ToListAsync();
        Assert.Equal(3, recorded.Count);
        Assert.All(recorded, t => Assert.Equal(first.ImportId, t.ImportId));
        Assert.Equal(again.ImportId, (await query.LoadAsync<ReportedPayment>(paymentIntent))!.ImportId);
    }

    [Fact]
    public async Task Books_written_before_the_documents_existed_are_backfilled_by_the_next_import_which_records_nothing_twice()
    {
        var (tag, paymentIntent, report) = await PaidReloadAndItsReport();
        var finance = await host.Finance();
        var first = await Import(finance, report);
        Assert.Equal((3, paymentIntent), (first.Report.NewRows, Assert.Single(first.Report.Matched).PaymentReference));

        // A deployment upgraded from books that held these sets in their document: the events, no documents yet.
        await using (var session = Store.LightweightSession())
        {
            session.DeleteWhere<ProviderTransaction>(_ => true);
            session.DeleteWhere<ReportedPayment>(_ => true);
            session.Delete<FinanceMigration>(ProviderRecords.BackfillId);
            await session.SaveChangesAsync();
        }

        // A later report of the same day without the charge: the payment an earlier report showed is not missing from it.
        var now = StripeUtc.Format(host.Clock.GetCurrentInstant().InUtc().LocalDateTime);
        var later = await Import(finance, [Header, $"txn_{tag}_4,{now},,eur,-0.10,0.00,-0.10,stripe_fee,,Radar,,,"]);
        Assert.Equal((1, 0), (later.Report.NewRows, later.Report.AlreadyRecordedRows));
        Assert.DoesNotContain(later.Report.Discrepancies, d => d.Reference == paymentIntent);

        var again = await Import(finance, report);
        Assert.Equal((0, 3, 0), (again.Report.NewRows, again.Report.AlreadyRecordedRows, again.DiscrepanciesOpened));
        await using var query = Store.QuerySession();
        Assert.Equal(4, await query.Query<ProviderTransaction>().CountAsync(t => t.Id.StartsWith($"txn_{tag}_")));
        Assert.NotNull(await query.LoadAsync<FinanceMigration>(ProviderRecords.BackfillId));
    }

    /// <summary>The partial index on loads' references, as PostgreSQL holds it, is what the configuration asks: a host's
    /// start does not drop and rebuild it over the city's ledger.</summary>
    [Fact]
    public async Task The_ledgers_indexes_in_the_database_match_the_configuration()
    {
        var feature = ((StoreOptions)Store.Options).Storage.FindFeature(typeof(LedgerEntry));
        var migration = await Store.Storage.Database.CreateMigrationAsync(feature, CancellationToken.None);
        Assert.Equal(Weasel.Core.SchemaPatchDifference.None, migration.Difference);
    }
}
