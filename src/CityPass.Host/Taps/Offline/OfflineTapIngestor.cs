using CityPass.Contracts.Terminals;
using CityPass.Domain.Schemes;
using CityPass.Host.Schemes;
using CityPass.Host.Terminals;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CityPass.Host.Taps.Offline;

/// <summary>
/// Records a batch of offline taps exactly once each: one transaction for the whole batch (its taps' records and their
/// cards' events), taps of one card applied in terminal-time order. A batch uploaded again, in part or out of order,
/// records only what is new. See <see cref="OfflineTapDecisions"/> for what an honoured tap costs.
/// </summary>
public sealed class OfflineTapIngestor(
    IDocumentStore store, SchemeCache schemes, IClock clock, KeyRing keys, IncidentLog incidents, IOptions<TerminalOptions> options, IConfiguration configuration,
    CityPass.Host.Operations.Telemetry.CityPassTelemetry telemetry, ILogger<OfflineTapIngestor> logger)
{
    public const int MaxBatch = 1000;

    public async Task<(OfflineTapsAccepted? Accepted, string? Problem)> IngestAsync(UploadOfflineTaps upload, CancellationToken ct)
    {
        if (Validate(upload) is { } problem)
            return (null, problem);
        // Past the replay window the tap records that make an upload exactly-once are compacted (TapRecordCompaction).
        var oldest = clock.GetCurrentInstant() - Duration.FromDays(options.Value.OfflineUploadDays);
        if (upload.Taps.Where(t => t.TerminalTime < oldest).MinBy(t => t.Sequence) is { } late)
            return (null, $"Tap {late.Sequence}: its terminal time is more than {options.Value.OfflineUploadDays} days ago, "
                + "past the upload window: nothing was recorded. Keep such taps for support and upload the others without them.");

        // One transaction per group of at most MaxCardsPerTransaction cards, all the taps of a card in the same group.
        // A single session appending to 500 card streams failed in Marten's inline snapshot ("an item with the same key
        // has already been added", seen with ./bench.sh); a part written is never written again (every tap is recorded
        // under its own id), so a batch interrupted between parts completes when it is uploaded again.
        var (recorded, duplicates, rejected, flagged) = (0, 0, 0, new List<OfflineTapFlag>());
        foreach (var part in ByCard(upload))
        {
            var (accepted, found) = await ConflictRetry.RunAsync(token => IngestOnce(part, token), ct);
            foreach (var incident in found)
                await incidents.ReportAsync(incident, ct);
            (recorded, duplicates, rejected) = (recorded + accepted.Recorded, duplicates + accepted.Duplicates, rejected + accepted.Rejected);
            flagged.AddRange(accepted.Flagged);
        }
        telemetry.OfflineTaps(recorded, duplicates, rejected);
        return (new OfflineTapsAccepted(upload.TerminalId, upload.BatchId, recorded, duplicates, rejected, flagged, await GapsAsync(upload.TerminalId, advanceMark: true, ct)), null);
    }

    public const int MaxCardsPerTransaction = 100;

    private static IEnumerable<UploadOfflineTaps> ByCard(UploadOfflineTaps upload) =>
        upload.Taps
            .GroupBy(t => CardUid.TryParse(t.CardUid, out var u, out _) ? u!.Value.Value : t.CardUid)
            .Chunk(MaxCardsPerTransaction)
            .Select(cards => upload with { Taps = cards.SelectMany(c => c).ToList() });

    private async Task<(OfflineTapsAccepted, List<SecurityIncident>)> IngestOnce(UploadOfflineTaps upload, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var skew = Duration.FromSeconds(options.Value.MaxClockSkewSeconds);
        var found = new List<SecurityIncident>();
        await using var session = store.LightweightSession();

        var taps = upload.Taps.Select(t => (Tap: t, Uid: CardUid.TryParse(t.CardUid, out var u, out _) ? u!.Value.Value : "")).ToList();
        var uids = taps.Select(t => t.Uid).Distinct().ToArray();
        var batch = session.CreateBatchQuery();
        var schemeVersion = schemes.Version(batch);
        var recordedTask = batch.LoadMany<TapRecord>().ById(taps.Select(t => TapRecord.IdFor(upload.TerminalId, t.Tap.Sequence)).ToArray());
        var cardIdsTask = batch.Query<Card>().Where(c => c.Uid.IsOneOf(uids)).Select(c => new CardKey(c.Uid, c.Id)).ToList();
        // Only the (card, counter) pairs this upload uses: the cost does not grow with the cards' histories.
        var countersTask = UsedCounters.Query(batch, store, taps.Select(t => (t.Uid, t.Tap.CardCounter)));
        // Read after the records: a compaction committed between the two reads shows in the marks (TapRecordCompaction).
        var spentTask = batch.LoadMany<SpentCounters>().ById(uids);
        var marksTask = batch.LoadMany<TerminalSequences>().ById(upload.TerminalId);
        await batch.Execute(ct);

        var scheme = await schemes.ResolveAsync(schemeVersion, session, ct);
        var recorded = (await recordedTask).Select(r => r.Id).ToHashSet();
        var cards = (await cardIdsTask).ToDictionary(c => c.Uid, c => c.Id);
        var usedCounters = (await countersTask).ToDictionary(c => (c.CardUid, c.Counter), c => c.Id);
        var spent = (await spentTask).ToDictionary(c => c.Id);
        var marks = (await marksTask).ToDictionary(m => m.Id);
        // Every card of the upload fetched for writing in one more round trip.
        var fetch = session.CreateBatchQuery();
        var fetching = cards.Values.Select(id => (Id: id, Task: fetch.Events.FetchForWriting<Card>(id))).ToList();
        await fetch.Execute(ct);
        var streams = new Dictionary<Guid, JasperFx.Events.IEventStream<Card>>();
        foreach (var (id, task) in fetching)
            streams[id] = await task;
        var states = streams.ToDictionary(s => s.Key, s => s.Value.Aggregate!);

        int added = 0, duplicates = 0, rejected = 0;
        var flagged = new List<OfflineTapFlag>();
        foreach (var (tap, uid) in taps.OrderBy(t => t.Tap.TerminalTime).ThenBy(t => t.Tap.Sequence))
        {
            var id = TapRecord.IdFor(upload.TerminalId, tap.Sequence);
            var verdict = TapScreening.Screen(Screened(upload.TerminalId, tap, uid), TapChannel.Offline,
                scheme.Terminals.GetValueOrDefault(upload.TerminalId), keys, cards.TryGetValue(uid, out var known) ? known : null,
                recorded.Contains(id) || TerminalSequences.Compacted(marks, upload.TerminalId, tap.Sequence) ? SequenceSeen.SameTap : SequenceSeen.New,
                usedCounters.GetValueOrDefault((uid, tap.CardCounter)) ?? SpentCounters.SpentBy(spent, uid, tap.CardCounter), now, skew);
            if (verdict is TapVerdict.AlreadyDecided)
            {
                duplicates++;
                continue;
            }
            if (verdict is TapVerdict.Refused forged)
            {
                rejected++;
                found.Add(SecurityIncident.Of(forged.Incident, upload.TerminalId, uid, tap.Sequence, now));
                continue;
            }
            recorded.Add(id);

            OfflineFlags flags;
            long? counter = tap.CardCounter;
            var charged = Money.Zero;
            Guid? cardId;
            bool clockAhead;
            if (verdict is TapVerdict.CardFailed failed)
            {
                (flags, counter, cardId, clockAhead) = (new(OfflineFlags.Of(failed)), null, failed.CardId, failed.ClockAhead);
                if (failed.Incident is { } incident)
                    found.Add(SecurityIncident.Of(incident, upload.TerminalId, uid, tap.Sequence, now));
            }
            else
            {
                (cardId, clockAhead) = (known, ((TapVerdict.Passed)verdict).ClockAhead);
                usedCounters[(uid, tap.CardCounter)] = id;
                var outcome = OfflineTapDecisions.Decide(states[known], scheme, new Tap(tap.VenueId, upload.TerminalId, tap.Sequence, tap.TerminalTime));
                if (outcome.Events.Count > 0)
                {
                    streams[known].AppendMany(outcome.Events.ToArray());
                    states[known] = outcome.Events.Aggregate(states[known], (c, e) => c.Evolve(e));
                }
                (flags, charged) = (outcome.Flags, outcome.Charged);
            }
            if (clockAhead)
                flags = flags.With(OfflineFlag.ClockSkew);
            var flag = flags.Code;
            if (flag is not null)
                flagged.Add(new OfflineTapFlag(tap.Sequence, flag));

            session.Insert(new TapRecord(id, upload.TerminalId, tap.Sequence, uid, tap.VenueId, tap.TerminalTime, cardId, counter,
                null, null, null, null, charged.Cents, cardId is { } c ? states[c].Balance.Cents : null, null, null, now, Offline: true, Flag: flag));
            added++;
        }

        await store.BeforeSaveAsync(session, ct);
        await session.SaveChangesAsync(ct);
        if (flagged.Count > 0)
            logger.LogWarning("Offline batch {BatchId} of terminal {TerminalId}: {Count} taps flagged for review", upload.BatchId, upload.TerminalId, flagged.Count);
        return (new OfflineTapsAccepted(upload.TerminalId, upload.BatchId, added, duplicates, rejected, flagged, []), found);
    }

    /// <summary>The sequence numbers of a terminal never received, online or offline, between its first and its last.</summary>
    public Task<IReadOnlyList<SequenceGap>> GapsAsync(string terminalId, CancellationToken ct) => GapsAsync(terminalId, advanceMark: false, ct);

    /// <summary>The gaps, an upload moving the terminal's mark (<see cref="SequenceGaps"/>).</summary>
    private async Task<IReadOnlyList<SequenceGap>> GapsAsync(string terminalId, bool advanceMark, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(configuration.GetConnectionString("Marten"));
        await connection.OpenAsync(ct);
        return await SequenceGaps.FindAsync(connection, store.Options.DatabaseSchemaName, terminalId, advanceMark, store.Options.Serializer(), ct);
    }

    private static string? Validate(UploadOfflineTaps upload)
    {
        if (string.IsNullOrWhiteSpace(upload.TerminalId) || upload.TerminalId.Length > 64)
            return "terminalId is required (1 to 64 characters).";
        if (upload.Taps is not { Count: > 0 and <= MaxBatch })
            return $"A batch holds 1 to {MaxBatch} taps.";
        foreach (var tap in upload.Taps)
        {
            if (tap is null)
                return "A tap is null.";
            if (TapVerifier.FieldsProblem(upload.TerminalId, tap.Sequence, tap.CardUid, tap.VenueId, tap.TerminalTime, tap.CardCounter,
                    tap.Cryptogram, tap.Mac) is { } problem)
                return $"Tap {tap.Sequence}: {problem}";
        }
        return upload.Taps.GroupBy(t => t.Sequence).FirstOrDefault(g => g.Distinct().Count() > 1) is { } twice
            ? $"Sequence {twice.Key} appears twice in the batch with different taps."
            : null;
    }

    private static ScreenedTap Screened(string terminalId, OfflineTap tap, string uid) =>
        new(terminalId, tap.Sequence, tap.CardUid, uid, tap.VenueId, tap.TerminalTime, tap.CardCounter, tap.Cryptogram, tap.Mac);

    private sealed record CardKey(string Uid, Guid Id);
}
