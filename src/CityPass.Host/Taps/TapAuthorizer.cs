using System.Collections.Concurrent;
using System.Diagnostics;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Schemes;
using CityPass.Host.Schemes;
using CityPass.Host.Terminals;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Taps;

/// <summary>
/// Decides online taps: only from an enrolled terminal whose signature verifies, with a card whose cryptogram verifies
/// and whose counter was never used; exactly once per (terminal id, sequence); never below a zero balance, never the same
/// carnet entry or ticket twice. Online taps are priced at the server's time of decision.
/// Taps are decided in batches, one Marten transaction per batch (the taps' records and their cards' events), taps of
/// one card in arrival order. A batch that loses a race (another host wrote one of its cards, a twin delivery, a
/// replayed counter) is decided again tap by tap, each from fresh state.
/// </summary>
public sealed class TapAuthorizer(
    IDocumentStore store, SchemeCache schemes, IClock clock, KeyRing keys, IncidentLog incidents, IOptions<TerminalOptions> options, ILogger<TapAuthorizer> logger)
{
    /// <summary>A card's id for a UID never changes once issued: taps skip the lookup after the first.</summary>
    private readonly ConcurrentDictionary<string, Guid> _cardIds = new();

    public sealed record Request(AuthorizeTap Tap, string Uid);

    /// <summary>Decides several taps at once; the answers are in the order of the taps.</summary>
    public async Task<TapReply[]> AuthorizeAsync(IReadOnlyList<AuthorizeTap> taps, CancellationToken ct)
    {
        var replies = new TapReply[taps.Count];
        var valid = new List<(int Index, Request Request)>();
        for (var i = 0; i < taps.Count; i++)
        {
            if (Validate(taps[i]) is { } invalid)
            {
                logger.LogWarning("Invalid tap from terminal {TerminalId} #{Sequence}: {Problem}", TapReply.Echo(taps[i].TerminalId), taps[i].Sequence, invalid);
                replies[i] = TapReply.InvalidRequest(taps[i].TerminalId, taps[i].Sequence, taps[i].CardUid, invalid, clock.GetCurrentInstant());
            }
            else
            {
                var parsed = CardUid.TryParse(taps[i].CardUid, out var uid, out _);
                Debug.Assert(parsed, "Validate accepts only UIDs that parse.");
                valid.Add((i, new Request(taps[i], uid!.Value.Value)));
            }
        }
        if (valid.Count == 0)
            return replies;

        List<SecurityIncident> found;
        try
        {
            var (decided, incidentsFound) = await DecideBatch(valid.Select(v => v.Request).ToList(), ct);
            for (var i = 0; i < valid.Count; i++)
                replies[valid[i].Index] = decided[i];
            found = incidentsFound;
        }
        catch (Exception e) when (ConflictRetry.IsConflict(e) && valid.Count > 1)
        {
            found = [];
            foreach (var (index, request) in valid)
            {
                var (decided, incidentsFound) = await ConflictRetry.RunAsync(token => DecideBatch([request], token), ct);
                replies[index] = decided[0];
                found.AddRange(incidentsFound);
            }
        }
        catch (Exception e) when (ConflictRetry.IsConflict(e))
        {
            var (decided, incidentsFound) = await ConflictRetry.RunAsync(token => DecideBatch([valid[0].Request], token), ct);
            replies[valid[0].Index] = decided[0];
            found = incidentsFound;
        }
        foreach (var incident in found)
            await incidents.ReportAsync(incident, ct);
        return replies;
    }

    private async Task<(TapReply[] Replies, List<SecurityIncident> Incidents)> DecideBatch(List<Request> requests, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var uids = requests.Select(r => r.Uid).Distinct().ToArray();
        var unknownUids = uids.Where(u => !_cardIds.ContainsKey(u)).ToArray();

        var batch = session.CreateBatchQuery();
        var schemeVersion = schemes.Version(batch);
        var priorTask = batch.LoadMany<TapRecord>().ById(requests.Select(r => TapRecord.IdFor(r.Tap.TerminalId, r.Tap.Sequence)).Distinct().ToArray());
        var countersTask = UsedCounters.Query(batch, store, requests.Select(r => (r.Uid, r.Tap.CardCounter)));
        // The highest counters of each card (index scans of the unique counter index), to compare online taps with.
        var highestTasks = uids.ToDictionary(u => u, u => batch.Query<TapRecord>()
            .Where(r => r.CardUid == u && r.CardCounter != null).OrderByDescending(r => r.CardCounter).Take(HighestCountersCompared)
            .Select(r => new SeenRow(r.Id, r.VenueId, r.TerminalTime, r.CardCounter, r.Offline)).ToList());
        // Read after the records: a compaction committed between the two reads shows in the marks (TapRecordCompaction).
        var spentTask = batch.LoadMany<SpentCounters>().ById(uids);
        var marksTask = batch.LoadMany<TerminalSequences>().ById(requests.Select(r => r.Tap.TerminalId).Distinct().ToArray());
        var lookupTask = unknownUids.Length > 0
            ? batch.Query<Card>().Where(c => c.Uid.IsOneOf(unknownUids)).Select(c => new CardKey(c.Uid, c.Id)).ToList()
            : null;
        // Cards already known by UID are fetched for writing in the same round trip; only new UIDs need a second one.
        var fetching = uids.Where(_cardIds.ContainsKey).Select(u => _cardIds[u]).Distinct()
            .Select(id => (Id: id, Task: batch.Events.FetchForWriting<Card>(id))).ToList();
        await batch.Execute(ct);

        var streams = new Dictionary<Guid, JasperFx.Events.IEventStream<Card>>();
        foreach (var (id, task) in fetching)
            streams[id] = await task;
        var newlyKnown = new List<Guid>();
        foreach (var card in lookupTask is null ? [] : await lookupTask)
        {
            _cardIds[card.Uid] = card.Id;
            if (!streams.ContainsKey(card.Id))
                newlyKnown.Add(card.Id);
        }
        if (newlyKnown.Count > 0)
        {
            var fetch = session.CreateBatchQuery();
            var more = newlyKnown.Select(id => (Id: id, Task: fetch.Events.FetchForWriting<Card>(id))).ToList();
            await fetch.Execute(ct);
            foreach (var (id, task) in more)
                streams[id] = await task;
        }

        var now = clock.GetCurrentInstant();
        var scheme = await schemes.ResolveAsync(schemeVersion, session, ct);
        var prior = (await priorTask).ToDictionary(r => r.Id);
        var usedCounters = (await countersTask).ToDictionary(c => (c.CardUid, c.Counter), c => c.Id);
        var spent = (await spentTask).ToDictionary(c => c.Id);
        var marks = (await marksTask).ToDictionary(m => m.Id);
        var states = streams.ToDictionary(s => s.Key, s => s.Value.Aggregate!);
        var skew = Duration.FromSeconds(options.Value.MaxClockSkewSeconds);
        var farApart = Duration.FromSeconds(options.Value.FarApartSeconds);
        var seenByCard = new Dictionary<string, List<SeenTap>>();
        foreach (var (cardUid, task) in highestTasks)
            seenByCard[cardUid] = (await task).Select(r => new SeenTap(r.Id, r.VenueId, r.TerminalTime, r.CardCounter!.Value, r.Offline)).ToList();
        var replies = new TapReply[requests.Count];
        var found = new List<SecurityIncident>();

        for (var i = 0; i < requests.Count; i++)
        {
            var (tap, uid) = requests[i];
            var id = TapRecord.IdFor(tap.TerminalId, tap.Sequence);
            // A number whose record was compacted was used by a tap past the replay window: this one is another tap.
            var seen = !prior.TryGetValue(id, out var recorded)
                ? TerminalSequences.Compacted(marks, tap.TerminalId, tap.Sequence) ? SequenceSeen.OtherTap : SequenceSeen.New
                : recorded.SameTapAs(uid, tap) ? SequenceSeen.SameTap
                : SequenceSeen.OtherTap;
            var verdict = TapScreening.Screen(Screened(tap, uid), TapChannel.Online, scheme.Terminals.GetValueOrDefault(tap.TerminalId), keys,
                _cardIds.TryGetValue(uid, out var known) ? known : null, seen,
                usedCounters.GetValueOrDefault((uid, tap.CardCounter)) ?? SpentCounters.SpentBy(spent, uid, tap.CardCounter), now, skew);
            if (verdict is TapVerdict.Refused refused)
            {
                replies[i] = Declined(tap, uid, refused.Reason.ToContract(), refused.Message);
                found.Add(SecurityIncident.Of(refused.Incident, tap.TerminalId, uid, tap.Sequence, now));
                continue;
            }
            if (verdict is TapVerdict.AlreadyDecided)
            {
                replies[i] = recorded!.ToReply();
                continue;
            }

            TapRecord record;
            if (verdict is TapVerdict.CardFailed failed)
            {
                record = TapRecord.Declined(tap, uid, failed.CardId, null, now, failed.Reason.ToContract(), failed.Message, null);
                if (failed.Incident is { } incident)
                    found.Add(SecurityIncident.Of(incident, tap.TerminalId, uid, tap.Sequence, now));
            }
            else
            {
                var cardId = ((TapVerdict.Passed)verdict).IssuedCardId;
                usedCounters[(uid, tap.CardCounter)] = id;
                var screened = Screened(tap, uid);
                foreach (var sign in CloneSigns.Of(screened, seenByCard[uid], farApart))
                    found.Add(SecurityIncident.Of(sign, tap.TerminalId, uid, tap.Sequence, now));
                seenByCard[uid].Add(new SeenTap(id, tap.VenueId, tap.TerminalTime, tap.CardCounter, Offline: false));
                var card = states[cardId];
                switch (TapDecisions.Decide(card, scheme, new Tap(tap.VenueId, tap.TerminalId, tap.Sequence, tap.TerminalTime), now))
                {
                    case TapDecision.Authorized a:
                        streams[cardId].AppendOne(a.Event);
                        states[cardId] = card.Evolve(a.Event);
                        record = TapRecord.Authorized(tap, uid, cardId, tap.CardCounter, now, a);
                        break;
                    case TapDecision.Declined d:
                        record = TapRecord.Declined(tap, uid, cardId, tap.CardCounter, now, d.Reason.ToContract(), d.Message, d.Balance?.Cents);
                        break;
                    default:
                        throw new InvalidOperationException("Unknown tap decision.");
                }
            }
            prior[id] = record; // a twin of this tap later in the batch gets the same answer
            session.Insert(record);
            replies[i] = record.ToReply();
        }

        await store.BeforeSaveAsync(session, ct);
        await session.SaveChangesAsync(ct);
        return (replies, found);
    }

    private static string? Validate(AuthorizeTap tap) =>
        TapVerifier.FieldsProblem(tap.TerminalId, tap.Sequence, tap.CardUid, tap.VenueId, tap.TerminalTime, tap.CardCounter, tap.Cryptogram, tap.Mac);

    private static ScreenedTap Screened(AuthorizeTap tap, string uid) =>
        new(tap.TerminalId, tap.Sequence, tap.CardUid, uid, tap.VenueId, tap.TerminalTime, tap.CardCounter, tap.Cryptogram, tap.Mac);

    private TapReply.Declined Declined(AuthorizeTap tap, string uid, TapDeclineReason reason, string message) =>
        new(new(tap.TerminalId ?? "", tap.Sequence, uid, reason, message, null, clock.GetCurrentInstant()));

    /// <summary>How many of a card's highest counters an online tap is compared with (<see cref="CloneSigns"/>).</summary>
    public const int HighestCountersCompared = 4;

    private sealed record SeenRow(string Id, string VenueId, Instant TerminalTime, long? CardCounter, bool Offline);

    private sealed record CardKey(string Uid, Guid Id);
}
