using CityPass.Contracts.Terminals;
using Npgsql;

namespace CityPass.Host.Taps.Offline;

/// <summary>
/// The sequence numbers of a terminal never received, online or offline, between its first and its last; their cost
/// follows the numbers received since the last upload and the gaps still open, never the terminal's history.
/// </summary>
/// <remarks>
/// The terminal's <see cref="TerminalSequences"/> mark says up to which number gaps were looked for, and keeps the gaps
/// then open below it (at most <see cref="MaxKept"/>). An upload reads the records above the mark (an index range of
/// <c>(terminal_id, sequence)</c>), looks inside the kept gaps for numbers received since (one index range each), and
/// moves the mark to its highest number. Before the kept gaps, the mark stopped below the lowest open gap: one tap lost
/// for good (a validator's flash failing) made every later upload of that terminal read every record above it.
/// Uploads of one terminal find and move its mark one at a time (a transaction-scoped advisory lock per terminal).
/// Gaps at or below the terminal's compacted numbers are not reported: a tap that old is refused.
/// </remarks>
public static class SequenceGaps
{
    /// <summary>The gaps an answer reports and a mark keeps, the lowest first.</summary>
    public const int MaxKept = 1_000;

    public static async Task<IReadOnlyList<SequenceGap>> FindAsync(
        NpgsqlConnection connection, string schema, string terminalId, bool advanceMark, Marten.ISerializer serializer, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (advanceMark)
            await ExecuteAsync(connection, "select pg_advisory_xact_lock(hashtextextended($1, 0))", ct, $"{schema}.gaps:{terminalId}");

        long? checkedThrough = null, compacted = null;
        var kept = new List<SequenceGap>();
        await using (var mark = new NpgsqlCommand($"""
            select (data ->> 'gapsCheckedThrough')::bigint, (data ->> 'compactedThrough')::bigint, (data -> 'openGaps')::text
            from {schema}.mt_doc_terminalsequences where id = $1
            """, connection) { Parameters = { new() { Value = terminalId } } })
        await using (var reader = await mark.ExecuteReaderAsync(ct))
            if (await reader.ReadAsync(ct))
            {
                checkedThrough = reader.IsDBNull(0) ? null : reader.GetInt64(0);
                compacted = reader.IsDBNull(1) ? null : reader.GetInt64(1);
                if (!reader.IsDBNull(2))
                    kept = serializer.FromJson<List<SequenceGap>>(reader, 2); // read with the serializer that wrote them
            }
        var low = Max(checkedThrough, compacted);

        // Above the mark: the gaps between the numbers received (the mark's own number was received or compacted).
        var found = new List<SequenceGap>();
        long? last = null;
        await using (var above = new NpgsqlCommand($"""
            with r as (
                select sequence, lag(sequence, 1, $2) over (order by sequence) as prev
                from {schema}.mt_doc_taprecord
                where terminal_id = $1 and sequence >= coalesce($2, -9223372036854775808))
            (select prev + 1, sequence - 1 from r where sequence > prev + 1 order by 1 limit {MaxKept})
            union all
            select null, max(sequence) from r
            """, connection) { Parameters = { new() { Value = terminalId }, new() { Value = (object?)low ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint } } })
        await using (var reader = await above.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                if (!reader.IsDBNull(0))
                    found.Add(new SequenceGap(reader.GetInt64(0), reader.GetInt64(1)));
                else if (!reader.IsDBNull(1))
                    last = reader.GetInt64(1);
            }

        // Below it: the kept gaps, less the numbers received inside them since.
        var open = await StillOpenAsync(connection, schema, terminalId, kept.Where(g => compacted is null || g.To > compacted)
            .Select(g => compacted is { } c && g.From <= c ? g with { From = c + 1 } : g).ToList(), ct);
        var gaps = open.Concat(found).OrderBy(g => g.From).ToList();

        if (advanceMark && last is { } highest && (low is null || highest > low || open.Count != kept.Count))
        {
            // Every number up to the new mark is received, compacted or one of the gaps kept with it. When the gaps above
            // the old mark were more than one answer holds, the mark stops at the last one found; when all of them are more
            // than a mark keeps, below the first one not kept: the rest is found again by the next upload's range.
            var through = found.Count == MaxKept ? found[^1].To : highest;
            var keep = gaps.Where(g => g.To <= through).ToList();
            if (keep.Count > MaxKept)
            {
                through = keep[MaxKept].From - 1;
                keep = keep.Take(MaxKept).ToList();
            }
            await ExecuteAsync(connection, $"""
                insert into {schema}.mt_doc_terminalsequences as m (id, data, mt_dotnet_type)
                values ($1, jsonb_build_object('id', $1::text, 'gapsCheckedThrough', $2::bigint, 'compactedThrough', null, 'openGaps', $3::jsonb), $4)
                on conflict (id) do update set
                    data = m.data || jsonb_build_object('gapsCheckedThrough', $2::bigint, 'openGaps', $3::jsonb),
                    mt_last_modified = transaction_timestamp(), mt_version = md5(random()::text || clock_timestamp()::text)::uuid
                """, ct, terminalId, through, serializer.ToJson(keep), typeof(TerminalSequences).FullName!);
        }
        await transaction.CommitAsync(ct);
        return gaps.Take(MaxKept).ToList();
    }

    /// <summary>The parts of <paramref name="gaps"/> whose numbers were still not received: one index range per gap.</summary>
    private static async Task<List<SequenceGap>> StillOpenAsync(NpgsqlConnection connection, string schema, string terminalId, List<SequenceGap> gaps, CancellationToken ct)
    {
        if (gaps.Count == 0)
            return gaps;
        var received = new List<long>();
        await using (var inside = new NpgsqlCommand($"""
            select t.sequence from unnest($2::bigint[], $3::bigint[]) as g(low, high)
            join {schema}.mt_doc_taprecord t on t.terminal_id = $1 and t.sequence between g.low and g.high
            order by 1
            """, connection)
        {
            Parameters = { new() { Value = terminalId }, new() { Value = gaps.Select(g => g.From).ToArray() }, new() { Value = gaps.Select(g => g.To).ToArray() } },
        })
        await using (var reader = await inside.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                received.Add(reader.GetInt64(0));
        if (received.Count == 0)
            return gaps;
        // Each gap split around the numbers received inside it (sorted): a gap's cost is its receipts, not its width.
        var open = new List<SequenceGap>();
        foreach (var gap in gaps)
        {
            var next = gap.From;
            foreach (var number in received.Where(n => n >= gap.From && n <= gap.To))
            {
                if (number > next)
                    open.Add(new SequenceGap(next, number - 1));
                next = number + 1;
            }
            if (next <= gap.To)
                open.Add(new SequenceGap(next, gap.To));
        }
        return open;
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync(ct);
    }
}
