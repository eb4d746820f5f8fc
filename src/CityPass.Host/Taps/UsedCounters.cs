using Marten.Services.BatchQuerying;

namespace CityPass.Host.Taps;

/// <summary>
/// Which (card, counter) pairs tap records already hold: one probe of the unique <c>tap_card_counter</c> index per pair.
/// A LINQ <c>uid in (…) and counter in (…)</c> made PostgreSQL 15 descend that index once per combination of the two
/// lists: an offline upload's part of 100 cards and 100 counters was 10,000 descents, 4–11 ms a part (pg_stat_statements,
/// <c>./bench.sh --only offline</c>, 2026-12-01), a cost that grows with the square of the batch.
/// </summary>
public static class UsedCounters
{
    /// <summary>A pair already used, and the tap record that used it.</summary>
    public sealed record Used(string CardUid, long Counter, string Id);

    public static Task<IReadOnlyList<Used>> Query(IBatchedQuery batch, IDocumentStore store, IEnumerable<(string Uid, long Counter)> pairs)
    {
        var distinct = pairs.Distinct().ToArray();
        // The two expressions are the index's own (TapsSetup), so the planner probes it for each pair of the unnest.
        return batch.Query<Used>(
            $"""
            select jsonb_build_object('cardUid', d.data ->> 'cardUid', 'counter', CAST(d.data ->> 'cardCounter' as bigint), 'id', d.id)
            from unnest(?::text[], ?::bigint[]) as p(uid, counter)
            join {store.Options.Schema.For<TapRecord>()} as d on d.data ->> 'cardUid' = p.uid and CAST(d.data ->> 'cardCounter' as bigint) = p.counter
            """,
            distinct.Select(p => p.Uid).ToArray(), distinct.Select(p => p.Counter).ToArray());
    }
}
