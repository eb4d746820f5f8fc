using System.Security.Claims;
using CityPass.Host.Accounts;
using NodaTime.Text;

namespace CityPass.Host.Finance;

/// <summary>
/// What every finance endpoint shares: the finance role, dates in ISO form, the user named in audit events, waiting for the
/// ledger.
/// </summary>
public static class FinanceHttp
{
    public static RouteGroupBuilder FinanceGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/finance").RequireAuthorization(AccountsSetup.FinancePolicy).WithTags("Finance");

    public static bool TryDate(string? text, out LocalDate date)
    {
        date = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var parsed = LocalDatePattern.Iso.Parse(text);
        if (!parsed.Success)
            return false;
        date = parsed.Value;
        return true;
    }

    public static ProblemHttpResult BadDate(string name, string? text) =>
        Infrastructure.Problems.BadRequest("Invalid date", $"{name} must be a local date like 2026-11-25 (got '{text}').");

    public static string Who(ClaimsPrincipal user) => user.Identity?.Name ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown";

    /// <summary>
    /// The ledger is an async projection: waits until it has posted what is committed, at most <paramref name="limit"/>.
    /// False when it is still behind then; the caller goes on with the ledger as it stands. Its cost follows nothing: the
    /// last committed event is read through the primary key and the ledger's progress is one row (Marten's
    /// WaitForNonStaleProjectionDataAsync counts every event of the store first, seconds on a city's history).
    /// </summary>
    public static async Task<bool> LedgerCaughtUpAsync(this IDocumentStore store, TimeSpan limit)
    {
        // The limit as a timer, not a wall-clock read: time in CityPass is the injected IClock's (a test's clock may stand still).
        using var deadline = new CancellationTokenSource(limit);
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var connection = ((Weasel.Postgresql.PostgresqlDatabase)store.Storage.Database).CreateConnection();
        await connection.OpenAsync();
        await using var committed = new Npgsql.NpgsqlCommand($"select coalesce(max(seq_id), 0)::bigint from {schema}.mt_events", connection);
        var last = (long)(await committed.ExecuteScalarAsync())!;
        await using var progress = new Npgsql.NpgsqlCommand(
            $"select coalesce(max(last_seq_id), 0)::bigint from {schema}.mt_event_progression where name like '%LedgerProjection%'", connection);
        while (true)
        {
            if ((long)(await progress.ExecuteScalarAsync())! >= last)
                return true;
            if (deadline.IsCancellationRequested)
                return false;
            await Task.Delay(50);
        }
    }
}
