using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using CityPass.Domain;
using CityPass.Domain.Cards;
using CityPass.Domain.Finance;
using CityPass.Host.Finance.Reconciliation;
using CityPass.IntegrationTests;
using CityPass.IntegrationTests.Finance;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using Npgsql;

namespace CityPass.Benchmarks;

/// <summary>
/// Reconciling a day's Stripe itemized report of <c>rows</c> charges (issue 18): the day's Stripe loads, the matching
/// report with a few deliberate discrepancies, and the import through <c>POST /finance/reconciliation/stripe-report</c>.
/// </summary>
public static class StripeReportBench
{
    private static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];
    private static readonly LocalDateTimePattern StripeUtc = LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss");

    /// <summary>The columns of Stripe's itemized "balance change from activity" report as downloaded with its defaults:
    /// CityPass reads 13 of them (StripeReportCsv), the others make the file's size what finance uploads.</summary>
    public const string Header = "balance_transaction_id,created_utc,created,available_on_utc,available_on,currency,gross,fee,net,reporting_category,"
        + "source_id,description,customer_facing_amount,customer_facing_currency,automatic_payout_id,automatic_payout_effective_at,customer_id,"
        + "customer_email,customer_name,customer_description,charge_id,payment_intent_id,charge_created_utc,charge_created,invoice_id,"
        + "subscription_id,payment_method_type,card_brand,card_funding,card_country,statement_descriptor,dispute_reason,connected_account_id";

    /// <summary>Deliberate discrepancies in every report: amounts Stripe took differently, charges no card was loaded with,
    /// loads the report leaves out, and a row repeated.</summary>
    public const int AmountMismatches = 3, MissingInLedger = 2, MissingInReport = 2, Duplicates = 1;

    /// <summary>The last import's figures beyond its time, for the console.</summary>
    public static IReadOnlyDictionary<string, double> Last { get; private set; } = new Dictionary<string, double>();

    /// <summary>
    /// Writes <paramref name="rows"/> Stripe loads on <paramref name="day"/> (a card issued and loaded through Stripe each: the
    /// <see cref="ValueLoaded"/> a paid reload credits, source stripe, the PaymentIntent as its reference; appended through
    /// Marten in batches of 1,000, as one HTTP request and one webhook per load would take longer than the import measured),
    /// waits for the ledger, posts the day's itemized report as finance and checks its outcome. Returns the import's
    /// milliseconds (the request, parsing to answer). The host's clock is moved to 05:00 the next morning.
    /// </summary>
    public static async Task<double> ReconcileAsync(CityPassHost host, LocalDate day, int rows)
    {
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var opening = day.At(new LocalTime(8, 0)).InZoneLeniently(Paris).ToInstant();
        var loads = Enumerable.Range(0, rows).Select(i => (Pi: $"pi_{tag}_{i:D6}", Cents: 5_00L + i % 8 * 5_00, At: opening + Duration.FromMilliseconds(i * 43_200_000L / rows)))
            .ToArray();
        await Parallel.ForEachAsync(loads.Chunk(1_000), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (chunk, ct) =>
        {
            await using var session = store.LightweightSession();
            foreach (var load in chunk)
            {
                var id = Guid.CreateVersion7();
                session.Events.StartStream<Card>(id, new CardIssued(id, Given.NewUid(), load.At),
                    new ValueLoaded(id, Money.FromCents(load.Cents), LoadSource.Stripe, load.Pi, Money.FromCents(load.Cents), load.At));
            }
            await session.SaveChangesAsync(ct);
        });
        host.Clock.Reset(day.PlusDays(1).At(new LocalTime(5, 0)).InZoneLeniently(Paris).ToInstant());
        if (!await CityPass.Host.Finance.FinanceHttp.LedgerCaughtUpAsync(store, TimeSpan.FromMinutes(20)))
            throw new TimeoutException("The ledger did not post the report's loads within 20 minutes.");

        var csv = Report(tag, loads);
        var finance = host.CreateClient();
        finance.Timeout = TimeSpan.FromMinutes(20);
        finance.DefaultRequestHeaders.Authorization = (await host.Finance()).DefaultRequestHeaders.Authorization;
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        var watch = Stopwatch.StartNew();
        using var response = await finance.PostAsync($"/finance/reconciliation/stripe-report?name=bench-{day:yyyy-MM-dd}.csv", content);
        var body = await response.Content.ReadAsStringAsync();
        var ms = watch.Elapsed.TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"The {rows}-row report was refused: {(int)response.StatusCode} {body[..Math.Min(body.Length, 500)]}");
        var result = System.Text.Json.JsonSerializer.Deserialize<ImportResult>(body, Api.Json)!;
        var expected = (rows - MissingInReport - AmountMismatches, AmountMismatches, MissingInLedger, MissingInReport, Duplicates);
        var found = (result.Report.Matched.Count, Count(DiscrepancyKind.AmountMismatch), Count(DiscrepancyKind.MissingInLedger),
            Count(DiscrepancyKind.MissingInReport), Count(DiscrepancyKind.DuplicateRow));
        if (found != expected || result.Report.AlreadyRecordedRows != 0)
            throw new InvalidOperationException($"The {rows}-row report reconciled to {found} (matched, amount, missing in ledger, missing in report, duplicates), "
                + $"{result.Report.AlreadyRecordedRows} already recorded; expected {expected}, none.");
        Last = new Dictionary<string, double>
        {
            ["csv_mb"] = Math.Round(Encoding.UTF8.GetByteCount(csv) / 1024.0 / 1024.0, 2),
            ["answer_mb"] = Math.Round(body.Length / 1024.0 / 1024.0, 2),
            ["report_event_mb"] = Math.Round(await ReportEventBytesAsync(host) / 1024.0 / 1024.0, 2),
        };
        return ms;

        int Count(DiscrepancyKind kind) => result.Report.Discrepancies.Count(d => d.Kind == kind && d.Reference.Contains(tag, StringComparison.Ordinal));
    }

    /// <summary>The day's itemized report in Stripe's columns: every load's charge with Stripe's fee (1.5 % + 0.25), less the deliberate discrepancies, and the payout.</summary>
    public static string Report(string tag, IReadOnlyList<(string Pi, long Cents, Instant At)> loads)
    {
        var text = new StringBuilder(loads.Count * 200).Append(Header).Append("\r\n");
        long payout = 0;
        void Charge(string txn, string pi, long gross, Instant at)
        {
            var fee = gross * 15 / 1_000 + 25;
            payout += gross - fee;
            var created = StripeUtc.Format(at.Plus(Duration.FromSeconds(2)).InUtc().LocalDateTime);
            var local = StripeParis(at);
            text.Append(CultureInfo.InvariantCulture,
                $"txn_{tag}_{txn},{created},{local},{created},{local},eur,{Major(gross)},{Major(fee)},{Major(gross - fee)},charge,ch_{txn}_{tag},CityPass reload,"
                + $"{Major(gross)},eur,po_{tag},{created},cus_{txn}{tag},cardholder.{txn}@example.org,,,ch_{txn}_{tag},{pi},{created},{local},,,card,visa,debit,FR,CITYPASS RELOAD,,\r\n");
        }
        for (var i = MissingInReport; i < loads.Count; i++)
            Charge($"{i:D6}", loads[i].Pi, i < MissingInReport + AmountMismatches ? loads[i].Cents + 1_00 : loads[i].Cents, loads[i].At);
        for (var i = 0; i < MissingInLedger; i++)
            Charge($"x{i}", $"pi_{tag}_unknown{i}", 10_00, loads[^1].At);
        var last = text.ToString().TrimEnd().Split("\r\n")[^1];
        for (var i = 0; i < Duplicates; i++)
            text.Append(last).Append("\r\n");
        var created2 = StripeUtc.Format(loads[^1].At.Plus(Duration.FromMinutes(1)).InUtc().LocalDateTime);
        text.Append(CultureInfo.InvariantCulture,
            $"txn_{tag}_payout,{created2},{created2},,,eur,{Major(-payout)},0.00,{Major(-payout)},payout,po_{tag},STRIPE PAYOUT,{Major(-payout)},eur,,,,,,,,,,,,,,,,,,,\r\n");
        return text.ToString();
    }

    private static string StripeParis(Instant at) => StripeUtc.Format(at.InZone(Paris).LocalDateTime);

    private static string Major(long cents) => (cents / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static async Task<long> ReportEventBytesAsync(CityPassHost host)
    {
        await using var connection = new NpgsqlConnection(host.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select coalesce(pg_column_size(data), 0) from {host.Schema}.mt_events where type = 'provider_report_imported' order by seq_id desc limit 1", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <c>./bench.sh --stripe-report [--rows 10000,100000]</c>: on one fresh schema (after a 10-row import that makes the
    /// host generate its code), each size in turn, then the sizes again now that it holds the previous imports: their cost
    /// must not grow with them.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var sizes = (args.SkipWhile(a => a != "--rows").Skip(1).FirstOrDefault() ?? "10000,100000")
            .Split(',').Select(s => int.Parse(s.Replace("_", ""), CultureInfo.InvariantCulture)).ToArray();
        var day = new LocalDate(2026, 11, 26);
        var host = new BenchHost();
        await host.InitializeAsync();
        try
        {
            await ReconcileAsync(host, day, 10);
            long held = 10;
            foreach (var rows in sizes.Concat(sizes.Reverse()))
            {
                day = day.PlusDays(1);
                var ms = await ReconcileAsync(host, day, rows);
                Print($"{rows:N0} rows, the schema holding {held:N0} rows imported before", ms);
                held += rows;
            }
        }
        finally
        {
            await host.DisposeAsync();
        }
        return 0;
    }

    private static void Print(string what, double ms) =>
        Console.WriteLine($"[stripe-report {DateTime.UtcNow:HH:mm:ss}] {what}: import {ms:N0} ms; {string.Join(", ", Last.Select(kv => $"{kv.Key} {kv.Value}"))}");
}
