using CityPass.Host.Taps;
using Npgsql;
using Weasel.Postgresql;

namespace CityPass.Host.Operations.AdminConsole;

/// <param name="Online">Declined by CityPass as the terminal asked.</param>
/// <param name="Offline">Declined by the terminal itself and uploaded later.</param>
public sealed record DeclineCount(string Reason, int Count, int Online, int Offline, Instant LastAt);

public sealed record RecentDeclines(Instant From, Instant To, int Total, IReadOnlyList<DeclineCount> Reasons);

/// <summary>
/// Declined taps of the last hours, by reason, from the tap records (the decision stored with each tap). One grouped
/// query over the tap records' table: meant for a person looking at the console, not for a dashboard refreshing every
/// second (that is <c>citypass_taps_total</c>).
/// </summary>
public static class RecentDeclinesEndpoint
{
    public const int MaxHours = 24 * 31;

    public static void MapRecentDeclines(this IEndpointRouteBuilder app) =>
        app.MapGet("/admin/declines", Read)
            .RequireAuthorization(Accounts.AccountsSetup.AdministratorPolicy)
            .WithTags("Operations").WithName("RecentDeclines")
            .WithSummary($"Administrator: declined taps of the last ?hours= (default 24, at most {MaxHours}) by reason, most frequent first.");

    private static async Task<Results<Ok<RecentDeclines>, ProblemHttpResult>> Read(int? hours, IDocumentStore store, IClock clock, CancellationToken ct)
    {
        var span = hours ?? 24;
        if (span is < 1 or > MaxHours)
            return Problems.BadRequest("Invalid period", $"hours must be between 1 and {MaxHours}.");
        var to = clock.GetCurrentInstant();
        var from = to - Duration.FromHours(span);
        var reasons = new List<DeclineCount>();
        await using (var connection = ((PostgresqlDatabase)store.Storage.Database).CreateConnection())
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(
                $"""
                 select data->>'declineReason', count(*)::int,
                        count(*) filter (where coalesce((data->>'offline')::boolean, false) = false)::int,
                        max((data->>'decidedAt')::timestamptz)
                 from {store.Options.DatabaseSchemaName}.mt_doc_taprecord
                 where data->>'declineReason' is not null and (data->>'decidedAt')::timestamptz > @from
                 group by 1 order by 2 desc, 1
                 """, connection);
            command.Parameters.AddWithValue("from", from.ToDateTimeOffset());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (count, online) = (reader.GetInt32(1), reader.GetInt32(2));
                reasons.Add(new DeclineCount(reader.GetString(0), count, online, count - online,
                    Instant.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(3))));
            }
        }
        return TypedResults.Ok(new RecentDeclines(from, to, reasons.Sum(r => r.Count), reasons));
    }
}
