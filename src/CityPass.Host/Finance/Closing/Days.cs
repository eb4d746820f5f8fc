using System.Security.Claims;
using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using Marten.Events;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Finance.Closing;

public sealed record DaySummary(LocalDate Day, long Hours, int Entries, int Adjustments, long LoadsCents, long SpendingCents, long ClosingFloatCents, string ClosedBy, Instant ClosedAt);

public sealed record DaysView(LocalDate? LastClosed, LocalDate? NextToClose, IReadOnlyList<DaySummary> Closed);

public sealed record CloseResult(IReadOnlyList<DayStatement> Closed, bool AlreadyClosed);

public static class Days
{
    public static void MapDays(this IEndpointRouteBuilder app)
    {
        var group = app.FinanceGroup();
        group.MapGet("/days", List).WithName("FinanceDays")
            .WithSummary("Finance: closed business days (newest first) and the next one to close.");
        group.MapGet("/days/{day}", Read).WithName("FinanceDayStatement")
            .WithSummary("Finance: a closed day's statement — per operator, venue, product and profile, and the scheme's loads, spending, refunds and float.");
        group.MapGet("/days/{day}/operators/{operatorId}", ReadOperator).WithName("FinanceOperatorDayStatement")
            .WithSummary("Finance: one operator's lines of a closed day's statement.");
        group.MapPost("/days/{day}/close", Close).WithName("CloseDay")
            .WithSummary("Finance: closes the day, and every open day before it, in order. A closed day never changes; repeating the close returns its statement.");
    }

    private static async Task<Ok<DaysView>> List(IQuerySession session, CancellationToken ct)
    {
        var books = await session.LoadAsync<FinanceBooks>(FinanceBooks.StreamId, ct) ?? FinanceBooks.Empty;
        var statements = await session.Query<ClosedDayStatement>().OrderByDescending(s => s.Id).Take(400).ToListAsync(ct);
        var summaries = statements.Select(s => new DaySummary(s.Statement.Day, s.Statement.Hours, s.Statement.Entries, s.Statement.Adjustments.Count,
            s.Statement.Scheme.LoadsBySource.Values.Sum(), s.Statement.Scheme.FaresCents + s.Statement.Scheme.ProductSalesCents,
            s.Statement.Scheme.ClosingFloatCents, s.ClosedBy, s.ClosedAt)).ToList();
        return TypedResults.Ok(new DaysView(books.LastClosed?.Day, books.LastClosed?.Day.PlusDays(1), summaries));
    }

    private static async Task<Results<Ok<DayStatement>, ProblemHttpResult>> Read(string day, IQuerySession session, CancellationToken ct)
    {
        if (!FinanceHttp.TryDate(day, out var date))
            return FinanceHttp.BadDate("day", day);
        var statement = await session.LoadAsync<ClosedDayStatement>(date.ToString("yyyy-MM-dd", null), ct);
        return statement is null
            ? Problems.NotFound("Day not closed", $"{date:yyyy-MM-dd} is not closed; its activity is still open.")
            : TypedResults.Ok(statement.Statement);
    }

    private static async Task<Results<Ok<IReadOnlyList<OperatorLine>>, ProblemHttpResult>> ReadOperator(string day, string operatorId, IQuerySession session, CancellationToken ct)
    {
        if (!FinanceHttp.TryDate(day, out var date))
            return FinanceHttp.BadDate("day", day);
        var statement = await session.LoadAsync<ClosedDayStatement>(date.ToString("yyyy-MM-dd", null), ct);
        return statement is null
            ? Problems.NotFound("Day not closed", $"{date:yyyy-MM-dd} is not closed; its activity is still open.")
            : TypedResults.Ok<IReadOnlyList<OperatorLine>>(statement.Statement.Operators.Where(l => l.OperatorId == operatorId).ToList());
    }

    private static async Task<Results<Created<CloseResult>, Ok<CloseResult>, ProblemHttpResult>> Close(
        string day, ClaimsPrincipal user, IDocumentStore store, IClock clock, IOptions<FinanceOptions> options, ILoggerFactory logs, CancellationToken ct)
    {
        if (!FinanceHttp.TryDate(day, out var date))
            return FinanceHttp.BadDate("day", day);
        await using (var query = store.QuerySession())
        {
            var scheme = await query.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty;
            var (_, end) = DailyClose.Bounds(scheme.Time, date);
            if (clock.GetCurrentInstant() < end)
                return Problems.Conflict("Day not over", $"{date:yyyy-MM-dd} ends at {end} (the next day's cut-off); it cannot be closed before.");
        }

        // The ledger is async: let it reach what is committed, so the day's own activity is not reported late.
        if (!await store.LedgerCaughtUpAsync(TimeSpan.FromSeconds(options.Value.CloseWaitSeconds)))
            logs.CreateLogger(typeof(Days)).LogWarning("Closing {Day} while the ledger is behind; what it has not posted yet will be reported as adjustments", date);

        var result = await store.WriteAsync((session, attempt) => CloseAsync(session, date, FinanceHttp.Who(user), clock, attempt), ct);
        return result.AlreadyClosed ? TypedResults.Ok(result) : TypedResults.Created($"/finance/days/{date:yyyy-MM-dd}", result);
    }

    /// <summary>Closes every open day up to <paramref name="date"/>, each with its own statement, in one transaction.</summary>
    private static async Task<CloseResult> CloseAsync(
        IDocumentSession session, LocalDate date, string by, IClock clock, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<FinanceBooks>(FinanceBooks.StreamId, ct);
        var books = stream.Aggregate ?? FinanceBooks.Empty;
        if (books.LastClosed is { } last && date <= last.Day)
        {
            var existing = await session.LoadAsync<ClosedDayStatement>(date.ToString("yyyy-MM-dd", null), ct);
            return new CloseResult(existing is null ? [] : [existing.Statement], true);
        }

        var scheme = await session.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty;
        var first = books.LastClosed?.Day.PlusDays(1) ?? date;
        var previousUpTo = books.LastClosed?.UpToSequence ?? 0;
        var upTo = await session.Query<LedgerEntry>().AnyAsync(ct)
            ? await session.Query<LedgerEntry>().MaxAsync(e => e.Id, ct)
            : 0;
        var (firstNumber, lastNumber) = (LedgerEntry.DayNumberOf(first), LedgerEntry.DayNumberOf(date));
        // Streamed into sums (a busy day is 200,000 entries, 105 MB of documents, never held together), from two range
        // reads disjoint by id, each on its own index: the entries posted since the previous close (primary key), then
        // those posted before it for the days closed now (day index). One query with an OR of the two was planned as a
        // scan of the whole ledger on a city (docs/performance.md, "The daily close").
        var close = new DaysClose(first, date, upTo, previousUpTo);
        await foreach (var entry in session.Query<LedgerEntry>()
                           .Where(e => e.Id > previousUpTo && e.Id <= upTo)
                           .ToAsyncEnumerable(ct))
            close.Add(entry);
        await foreach (var entry in session.Query<LedgerEntry>()
                           .Where(e => e.Id <= previousUpTo && e.DayNumber >= firstNumber && e.DayNumber <= lastNumber)
                           .ToAsyncEnumerable(ct))
            close.Add(entry);

        var now = clock.GetCurrentInstant();
        var statements = close.Statements(books.LastClosed?.ClosingFloatCents ?? 0, scheme.Time);
        foreach (var statement in statements)
        {
            stream.AppendOne(new DayClosed(statement.Day, upTo, statement, by, now));
            session.Insert(new ClosedDayStatement(statement.Day.ToString("yyyy-MM-dd", null), statement, by, now));
        }
        return new CloseResult(statements, false);
    }
}
