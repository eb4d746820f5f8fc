using System.Security.Claims;
using System.Text;
using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using Marten.Events;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Finance.Reconciliation;

public sealed record ImportResult(Guid ImportId, ReconciliationReport Report, int DiscrepanciesOpened);

public sealed record ResolveDiscrepancy(string? Note);

public static class Reconcile
{
    /// <summary>A day of a city's online reloads, 100,000 rows in Stripe's default itemized columns, is about 36 MB (docs/performance.md).</summary>
    private const int MaxReportBytes = 64 * 1024 * 1024;

    public static void MapReconciliation(this IEndpointRouteBuilder app)
    {
        var group = app.FinanceGroup();
        group.MapPost("/reconciliation/stripe-report", Import).WithName("ImportStripeReport")
            .Accepts<string>("text/csv")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxReportBytes + 1024 * 1024))
            .WithSummary("Finance: imports Stripe's itemized balance / payout reconciliation report (CSV, Stripe's column names) and reconciles it with the ledger's loads. A malformed file is refused with its line number and nothing is written.");
        group.MapPost("/reconciliation/stripe-fetch", Fetch).WithName("FetchStripeBalanceTransactions")
            .WithSummary("Finance: the same, fetching the balance transactions from Stripe's API (only when Stripe:SecretKey is configured).");
        group.MapGet("/discrepancies", List).WithName("Discrepancies")
            .WithSummary("Finance: reconciliation discrepancies; ?status=open (default) or all.");
        group.MapPost("/discrepancies/{id}/resolve", Resolve).WithName("ResolveDiscrepancy")
            .WithSummary("Finance: closes a discrepancy with a note saying what was done (recorded with who and when).");
    }

    private static async Task<Results<Created<ImportResult>, ProblemHttpResult>> Import(
        HttpRequest request, string? name, ClaimsPrincipal user, IDocumentStore store, IClock clock, CancellationToken ct)
    {
        if (request.ContentLength > MaxReportBytes)
            return Problems.BadRequest("Report too large", $"A report is at most {MaxReportBytes / 1024 / 1024} MB; split it by period.");
        using var body = new StreamReader(request.Body, Encoding.UTF8);
        var text = await body.ReadToEndAsync(ct);
        var (rows, problem) = StripeReportCsv.Parse(text);
        if (problem is not null)
            return TypedResults.Problem(title: "Malformed report", detail: $"Line {problem.Line}: {problem.Message} Nothing was imported.",
                statusCode: StatusCodes.Status400BadRequest, extensions: new Dictionary<string, object?> { ["line"] = problem.Line });
        return await RecordAsync(rows, string.IsNullOrWhiteSpace(name) ? "stripe-report.csv" : name, FinanceHttp.Who(user), store, clock, ct);
    }

    private static async Task<Results<Created<ImportResult>, ProblemHttpResult>> Fetch(
        string? from, string? to, ClaimsPrincipal user, IDocumentStore store, IClock clock, StripeBalanceFetcher fetcher, CancellationToken ct)
    {
        if (!fetcher.IsConfigured)
            return Problems.Conflict("Stripe not configured", "The host runs with the payment sandbox (no Stripe:SecretKey): import a report file instead.");
        if (!FinanceHttp.TryDate(from, out var start))
            return FinanceHttp.BadDate("from", from);
        if (!FinanceHttp.TryDate(to, out var end))
            return FinanceHttp.BadDate("to", to);
        await using var query = store.QuerySession();
        var time = (await query.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty).Time;
        var rows = await fetcher.FetchAsync(DailyClose.Bounds(time, start).From, DailyClose.Bounds(time, end).To, ct);
        if (rows.Count == 0)
            return Problems.Unprocessable("Nothing to reconcile", $"Stripe has no balance transactions from {start:yyyy-MM-dd} to {end:yyyy-MM-dd}.");
        return await RecordAsync(rows, $"stripe-api-{start:yyyy-MM-dd}-{end:yyyy-MM-dd}", FinanceHttp.Who(user), store, clock, ct);
    }

    public static async Task<Results<Created<ImportResult>, ProblemHttpResult>> RecordAsync(
        IReadOnlyList<StripeReportRow> rows, string fileName, string by, IDocumentStore store, IClock clock, CancellationToken ct)
    {
        // Loads are posted by the async ledger: let it reach what is committed before comparing. If it does not in time, compared
        // as the ledger stands; a load it has not posted yet shows as missing until the next import.
        await store.LedgerCaughtUpAsync(TimeSpan.FromSeconds(10));
        await ProviderRecords.BackfillOnceAsync(store, clock.GetCurrentInstant(), ct);
        var result = await store.WriteAsync(async (session, attempt) =>
        {
            var stream = await session.Events.FetchForWriting<FinanceBooks>(FinanceBooks.StreamId, attempt);
            var books = stream.Aggregate ?? FinanceBooks.Empty;
            var time = (await session.LoadAsync<Scheme>(Scheme.StreamId, attempt) ?? Scheme.Empty).Time;
            var from = time.ServiceDate(rows.Min(r => r.CreatedUtc));
            var to = time.ServiceDate(rows.Max(r => r.CreatedUtc));
            var loads = await LoadsAsync(session, rows, from, to, attempt);
            var earlier = await EarlierAsync(session, rows, loads, attempt);
            var outcome = Domain.Finance.Reconciliation.Reconcile(rows, loads, earlier, from, to);
            var opened = Domain.Finance.Reconciliation.New(outcome.Report, books);

            var importId = Guid.CreateVersion7();
            var now = clock.GetCurrentInstant();
            var providerOf = loads.GroupBy(l => l.PaymentReference).ToDictionary(g => g.Key, g => g.First().Source);
            var recorded = new List<object>(outcome.RowsToRecord.Count + 1);
            foreach (var row in outcome.RowsToRecord)
            {
                var provider = row.PaymentReferences.Select(r => providerOf.GetValueOrDefault(r)).FirstOrDefault(p => p is not null) ?? "stripe";
                recorded.Add(new ProviderTransactionRecorded(importId, row, provider, now));
            }
            recorded.Add(new ProviderReportImported(importId, fileName, rows.Count, outcome.Report, by, now));
            stream.AppendMany(recorded);
            await ProviderRecords.QueueAsync(session, recorded, attempt);
            foreach (var discrepancy in opened)
                stream.AppendOne(new DiscrepancyOpened(discrepancy, now));
            return new ImportResult(importId, outcome.Report, opened.Count);
        }, ct);
        return TypedResults.Created($"/finance/discrepancies", await WithOpenedAt(result, store, ct));
    }

    /// <summary>
    /// The provider loads of the report's days (by the day-number index), and those of other days the report names (by
    /// the partial index on loads' references): both follow the report, not the ledger's history.
    /// </summary>
    private static async Task<List<LedgerLoad>> LoadsAsync(IDocumentSession session, IReadOnlyList<StripeReportRow> rows, LocalDate from, LocalDate to, CancellationToken ct)
    {
        var (fromNumber, toNumber) = (LedgerEntry.DayNumberOf(from), LedgerEntry.DayNumberOf(to));
        var (load, stripe, sandbox) = (LedgerKind.Load.Code, LoadSource.Stripe.Code, LoadSource.Sandbox.Code);
        var entries = (await session.Query<LedgerEntry>()
            .Where(e => e.DayNumber >= fromNumber && e.DayNumber <= toNumber && e.Kind == load && (e.Source == stripe || e.Source == sandbox))
            .ToListAsync(ct)).ToList();
        var found = entries.Where(e => e.Reference is not null).Select(e => e.Reference!).ToHashSet(StringComparer.Ordinal);
        var elsewhere = rows.Where(r => !r.PaymentReferences.Any(found.Contains)).SelectMany(r => r.PaymentReferences).Distinct(StringComparer.Ordinal).ToArray();
        if (elsewhere.Length > 0)
        {
            var named = await session.QueryAsync<LedgerEntry>(LoadsByReference, ct, [elsewhere]);
            entries.AddRange(named.Where(e => e.Source == stripe || e.Source == sandbox));
        }
        return entries.Select(e => new LedgerLoad(e.Reference ?? $"entry-{e.Id}", e.CardId, e.On(LedgerAccounts.Clearing(e.Source!)),
            Domain.Finance.Reconciliation.LedgerCurrency, e.Source!, e.At, e.BusinessDay)).ToList();
    }

    /// <summary>The text of <see cref="FinanceSetup"/>'s partial index (loads only), so PostgreSQL can use it.</summary>
    private const string LoadsByReference = $"where {FinanceSetup.LoadReferencePredicate} and (data ->> 'reference') = ANY(?)";

    /// <summary>What earlier imports recorded of this report's balance transactions, and which of its days' loads they reported.</summary>
    private static async Task<EarlierImports> EarlierAsync(IDocumentSession session, IReadOnlyList<StripeReportRow> rows, IReadOnlyList<LedgerLoad> loads, CancellationToken ct)
    {
        var transactions = rows.Select(r => r.BalanceTransactionId).Distinct(StringComparer.Ordinal).ToArray();
        var payments = loads.Select(l => l.PaymentReference).Distinct(StringComparer.Ordinal).ToArray();
        var recorded = await session.Query<ProviderTransaction>().Where(t => t.Id.IsOneOf(transactions)).Select(t => t.Id).ToListAsync(ct);
        var reported = payments.Length == 0 ? [] : await session.Query<ReportedPayment>().Where(p => p.Id.IsOneOf(payments)).Select(p => p.Id).ToListAsync(ct);
        return new EarlierImports(recorded.ToHashSet(StringComparer.Ordinal), reported.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The report's discrepancies as the books hold them: opened at the import that first found them.</summary>
    private static async Task<ImportResult> WithOpenedAt(ImportResult result, IDocumentStore store, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var books = await query.LoadAsync<FinanceBooks>(FinanceBooks.StreamId, ct) ?? FinanceBooks.Empty;
        return result with
        {
            Report = result.Report with
            {
                Discrepancies = result.Report.Discrepancies
                    .Select(d => books.Discrepancies.TryGetValue(d.Id, out var held) ? d with { OpenedAt = held.OpenedAt } : d).ToList(),
            },
        };
    }

    private static async Task<Ok<IReadOnlyList<Discrepancy>>> List(string? status, IQuerySession session, CancellationToken ct)
    {
        var books = await session.LoadAsync<FinanceBooks>(FinanceBooks.StreamId, ct) ?? FinanceBooks.Empty;
        var all = status == "all";
        return TypedResults.Ok<IReadOnlyList<Discrepancy>>(books.Discrepancies.Values.Where(d => all || d.IsOpen)
            .OrderBy(d => d.OpenedAt).ThenBy(d => d.Id, StringComparer.Ordinal).ToList());
    }

    private static async Task<Results<Ok<Discrepancy>, ProblemHttpResult>> Resolve(
        string id, ResolveDiscrepancy body, ClaimsPrincipal user, IDocumentStore store, IClock clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Note))
            return Problems.BadRequest("Note required", "Resolving a discrepancy needs a note saying what was found and done.");
        if (body.Note.Length > 2000)
            return Problems.BadRequest("Note too long", "A note is at most 2000 characters.");
        return await store.WriteAsync<FinanceBooks, Results<Ok<Discrepancy>, ProblemHttpResult>>(FinanceBooks.StreamId, current =>
        {
            var books = current ?? FinanceBooks.Empty;
            if (!books.Discrepancies.TryGetValue(id, out var discrepancy))
                return new([], Problems.NotFound("Unknown discrepancy", $"There is no discrepancy '{id}'."));
            if (!discrepancy.IsOpen)
                return new([], Problems.Conflict("Already resolved",
                    $"'{id}' was resolved by {discrepancy.ResolvedBy} at {discrepancy.ResolvedAt}: {discrepancy.Note}"));
            var resolved = new DiscrepancyResolved(id, body.Note.Trim(), FinanceHttp.Who(user), clock.GetCurrentInstant());
            return new([resolved],
                TypedResults.Ok(discrepancy with { Note = resolved.Note, ResolvedBy = resolved.ResolvedBy, ResolvedAt = resolved.ResolvedAt }));
        }, ct);
    }
}
