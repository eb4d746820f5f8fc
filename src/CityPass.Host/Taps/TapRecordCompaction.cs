using CityPass.Host.Terminals;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CityPass.Host.Taps;

/// <summary>
/// Deletes tap records whose terminal time is older than the replay window (<see cref="TerminalOptions.OfflineUploadDays"/>),
/// every <see cref="TerminalOptions.CompactTapRecordsEveryMinutes"/>, on one background host at a time. What the records
/// guaranteed still holds: a (terminal, sequence) that old is refused by age when uploaded again and is stale online; each
/// card keeps the highest counter compacted (<see cref="SpentCounters"/>: any counter up to it is a replay) and each
/// terminal its highest sequence compacted (<see cref="TerminalSequences"/>). docs/operations.md, "Tap-record compaction".
/// </summary>
public sealed partial class TapRecordCompaction(
    IDocumentStore store, IClock clock, IOptions<TerminalOptions> options, IConfiguration configuration, ILogger<TapRecordCompaction> logger)
    : BackgroundService
{
    /// <summary>Records deleted per transaction: a pass holds row locks on at most this many, and the tap path never waits on them.</summary>
    public const int BatchSize = 10_000;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicPasses.RunEveryAsync(TimeSpan.FromMinutes(Math.Max(1, options.Value.CompactTapRecordsEveryMinutes)), async ct =>
        {
            if (await RunOnceAsync(ct) is > 0 and var deleted)
                LogCompacted(logger, deleted);
        }, e => LogPassFailed(logger, e), stoppingToken);

    /// <summary>One pass: the records deleted, or null when another host holds the lock (and runs the pass).</summary>
    public async Task<long?> RunOnceAsync(CancellationToken ct)
    {
        var connectionString = configuration.GetConnectionString("Marten")!;
        await using var held = await AdvisoryLocks.TryTakeAsync(connectionString, "citypass-tap-compaction", store.Options.DatabaseSchemaName, ct);
        if (held is null)
            return null;
        var cutoff = clock.GetCurrentInstant() - Duration.FromDays(options.Value.OfflineUploadDays);
        return await RunAsync(connectionString, store.Options.DatabaseSchemaName, cutoff, BatchSize, ct);
    }

    /// <summary>
    /// Deletes every tap record of <paramref name="schema"/> whose terminal time is before <paramref name="cutoff"/>, in
    /// transactions of <paramref name="batchSize"/> records (oldest first, by the terminal-time index: a pass costs what it
    /// deletes), raising the cards' <see cref="SpentCounters"/> and the terminals' <see cref="TerminalSequences"/> in the same
    /// transaction as each deletion. Returns the records deleted. Safe beside the tap path; two passes at once each skip
    /// the rows the other holds. The bench calls it directly (no host needed).
    /// </summary>
    public static async Task<long> RunAsync(string connectionString, string schema, Instant cutoff, int batchSize = BatchSize, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        long total = 0;
        while (true)
        {
            await using var delete = new NpgsqlCommand(DeleteSql(schema), connection);
            delete.Parameters.AddWithValue(cutoff.ToUnixTimeMilliseconds());
            delete.Parameters.AddWithValue(batchSize);
            delete.Parameters.AddWithValue(typeof(SpentCounters).FullName!);
            delete.Parameters.AddWithValue(typeof(TerminalSequences).FullName!);
            var deleted = (long)(await delete.ExecuteScalarAsync(ct))!;
            total += deleted;
            if (deleted < batchSize)
                return total;
        }
    }

    /// <summary>
    /// Once, on a database whose tap records predate the terminal-time column: fills it from the JSON, 10,000 records per
    /// transaction (found by the column's index, which holds the nulls). Returns the records filled.
    /// </summary>
    public static async Task<long> FillTerminalTimesAsync(string connectionString, string schema, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        long total = 0;
        while (true)
        {
            await using var fill = new NpgsqlCommand(
                $"update {schema}.mt_doc_taprecord t set terminal_time_unix_milliseconds = "
                + "(extract(epoch from (t.data ->> 'terminalTime')::timestamptz) * 1000)::bigint "
                + $"where t.id in (select id from {schema}.mt_doc_taprecord where terminal_time_unix_milliseconds is null limit {BatchSize})",
                connection);
            var filled = await fill.ExecuteNonQueryAsync(ct);
            total += filled;
            if (filled < BatchSize)
                return total;
        }
    }

    // One statement, so one transaction: the records go, and the marks that answer for them rise, together. A tap
    // decided meanwhile reads the records before the marks (TapAuthorizer, OfflineTapIngestor), so it sees one or the other.
    private static string DeleteSql(string schema) => $"""
        with doomed as (
            select id from {schema}.mt_doc_taprecord where terminal_time_unix_milliseconds < $1
            order by terminal_time_unix_milliseconds limit $2 for update skip locked),
        gone as (
            delete from {schema}.mt_doc_taprecord t using doomed where t.id = doomed.id
            returning t.terminal_id, t.sequence, t.data ->> 'cardUid' as card_uid, (t.data ->> 'cardCounter')::bigint as counter),
        cards as (
            insert into {schema}.mt_doc_spentcounters as s (id, data, mt_dotnet_type)
            select card_uid, jsonb_build_object('id', card_uid, 'through', max(counter)), $3
            from gone where counter is not null group by card_uid
            on conflict (id) do update set
                data = jsonb_build_object('id', s.id, 'through', greatest((s.data ->> 'through')::bigint, (excluded.data ->> 'through')::bigint)),
                mt_last_modified = transaction_timestamp(), mt_version = md5(random()::text || clock_timestamp()::text)::uuid),
        terminals as (
            insert into {schema}.mt_doc_terminalsequences as m (id, data, mt_dotnet_type)
            select terminal_id, jsonb_build_object('id', terminal_id, 'gapsCheckedThrough', max(sequence), 'compactedThrough', max(sequence)), $4
            from gone group by terminal_id
            on conflict (id) do update set
                data = jsonb_set(m.data, array['compactedThrough'],
                    to_jsonb(greatest((m.data ->> 'compactedThrough')::bigint, (excluded.data ->> 'compactedThrough')::bigint))),
                mt_last_modified = transaction_timestamp(), mt_version = md5(random()::text || clock_timestamp()::text)::uuid)
        select count(*) from gone
        """;

    [LoggerMessage(Level = LogLevel.Information, Message = "Compacted {Count} tap records past the replay window")]
    private static partial void LogCompacted(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Compacting tap records failed; the next pass tries again")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
