using CityPass.Contracts.Terminals;
using CityPass.Domain;
using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using CityPass.Host.Infrastructure;
using CityPass.Host.Terminals;
using Marten;
using Microsoft.Extensions.Options;
using NodaTime;

namespace CityPass.Host.Taps;

/// <summary>
/// Decides an online tap: only from an enrolled terminal whose signature verifies, with a card whose cryptogram verifies
/// and whose counter was never used; exactly once per (terminal id, sequence); never below a zero balance, never the same
/// carnet entry or ticket twice. One Marten transaction holds the card's new event and the tap's record; a lost race is
/// decided again from fresh state. Online taps are priced at the server's time of decision.
/// </summary>
public sealed class TapAuthorizer(
    IDocumentStore store, IClock clock, TapVerifier verifier, IncidentLog incidents, IOptions<TerminalOptions> options, ILogger<TapAuthorizer> logger)
{
    public async Task<object> AuthorizeAsync(AuthorizeTap tap, CancellationToken ct)
    {
        if (Validate(tap) is { } invalid)
        {
            logger.LogWarning("Invalid tap from terminal {TerminalId} #{Sequence}: {Problem}", tap.TerminalId, tap.Sequence, invalid);
            return Declined(tap, tap.CardUid ?? "", TapDeclineReason.InvalidRequest, invalid, null);
        }
        CardUid.TryParse(tap.CardUid, out var parsed, out _);
        var uid = parsed!.Value.Value;

        var (reply, incident) = await ConflictRetry.RunAsync(token => DecideOnce(tap, uid, token), ct);
        if (incident is not null)
            await incidents.ReportAsync(incident, ct);
        return reply;
    }

    private async Task<(object Reply, SecurityIncident? Incident)> DecideOnce(AuthorizeTap tap, string uid, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var batch = session.CreateBatchQuery();
        var priorTask = batch.Load<TapRecord>(TapRecord.IdFor(tap.TerminalId, tap.Sequence));
        var cardIdTask = batch.Query<Card>().Where(c => c.Uid == uid).Select(c => c.Id).ToList();
        var schemeTask = batch.Load<Scheme>(Scheme.StreamId);
        var counterTask = batch.Query<TapRecord>().Where(r => r.CardUid == uid && r.CardCounter == tap.CardCounter).Select(r => r.Id).ToList();
        await batch.Execute(ct);

        var now = clock.GetCurrentInstant();
        var scheme = await schemeTask ?? Scheme.Empty;
        var line = TapVerifier.TapLine(tap.TerminalId, tap.Sequence, tap.CardUid, tap.VenueId, tap.TerminalTime, tap.CardCounter, tap.Cryptogram);
        if (verifier.TerminalProblem(scheme, tap.TerminalId, line, tap.Mac) is { } forged)
            return Refused(tap, uid, TapDeclineReason.NotAuthenticated, forged, "terminal-not-authenticated", now);
        var skew = Duration.FromSeconds(options.Value.MaxClockSkewSeconds);
        if (tap.TerminalTime < now - skew || tap.TerminalTime > now + skew)
            return Refused(tap, uid, TapDeclineReason.StaleRequest,
                $"The terminal's time {tap.TerminalTime} is more than {skew.TotalSeconds} s from the server's {now}: a replayed message, or a clock to set.",
                "stale-request", now);

        if (await priorTask is { } prior)
        {
            if (prior.SameTapAs(uid, tap))
                return (prior.ToReply(), null);
            return Refused(tap, uid, TapDeclineReason.SequenceReused,
                $"Sequence {tap.Sequence} of terminal {tap.TerminalId} was already used for another tap; nothing was charged.", "sequence-reused", now);
        }

        var cardIds = await cardIdTask;
        TapRecord record;
        SecurityIncident? incident = null;
        if (cardIds.Count == 0)
        {
            record = TapRecord.Declined(tap, uid, null, null, now, TapDeclineReason.UnknownCard, $"No card with UID {uid} was issued.", null);
        }
        else if (!verifier.CardIsAuthentic(uid, tap.CardCounter, tap.TerminalId, tap.Sequence, tap.Cryptogram))
        {
            record = TapRecord.Declined(tap, uid, cardIds[0], null, now, TapDeclineReason.CardNotAuthentic,
                "The card's cryptogram does not verify: a cloned UID or a bad read.", null);
            incident = Incident("card-not-authentic", tap, uid, "Cryptogram does not verify with the card's key.", now);
        }
        else if ((await counterTask).FirstOrDefault() is { } usedBy)
        {
            record = TapRecord.Declined(tap, uid, cardIds[0], null, now, TapDeclineReason.CardReplayed,
                $"Card counter {tap.CardCounter} was already used (tap {usedBy}): a replayed or cloned card.", null);
            incident = Incident("card-replayed", tap, uid, $"Counter {tap.CardCounter} already used by tap {usedBy}.", now);
        }
        else
        {
            var stream = await session.Events.FetchForWriting<Card>(cardIds[0], ct);
            var card = stream.Aggregate!;
            switch (TapDecisions.Decide(card, scheme, new Tap(tap.VenueId, tap.TerminalId, tap.Sequence, tap.TerminalTime), now))
            {
                case TapDecision.Authorized a:
                    stream.AppendOne(a.Event);
                    record = TapRecord.Authorized(tap, uid, card.Id, tap.CardCounter, now, a);
                    break;
                case TapDecision.Declined d:
                    record = TapRecord.Declined(tap, uid, card.Id, tap.CardCounter, now, Enum.Parse<TapDeclineReason>(d.Reason.ToString()), d.Message, d.Balance?.Cents);
                    break;
                default:
                    throw new InvalidOperationException("Unknown tap decision.");
            }
        }

        session.Insert(record);
        await session.SaveChangesAsync(ct);
        return (record.ToReply(), incident);
    }

    /// <summary>Checks what a terminal sent before anything is read or written.</summary>
    private static string? Validate(AuthorizeTap tap)
    {
        if (string.IsNullOrWhiteSpace(tap.TerminalId) || tap.TerminalId.Length > 64)
            return "terminalId is required (1 to 64 characters).";
        if (tap.Sequence < 0)
            return $"sequence must be zero or more (got {tap.Sequence}).";
        if (string.IsNullOrWhiteSpace(tap.VenueId) || tap.VenueId.Length > 64)
            return "venueId is required (1 to 64 characters).";
        if (tap.TerminalTime == default)
            return "terminalTime is required (ISO-8601 UTC).";
        if (tap.CardCounter < 0)
            return "cardCounter is required (zero or more).";
        if (string.IsNullOrEmpty(tap.Cryptogram) || string.IsNullOrEmpty(tap.Mac))
            return "cryptogram and mac are required.";
        return CardUid.TryParse(tap.CardUid, out _, out var uidError) ? null : uidError;
    }

    /// <summary>A refusal that is not recorded as a tap (nothing is written but the incident).</summary>
    private (object, SecurityIncident) Refused(AuthorizeTap tap, string uid, TapDeclineReason reason, string message, string kind, Instant now) =>
        (Declined(tap, uid, reason, message, null), Incident(kind, tap, uid, message, now));

    private static SecurityIncident Incident(string kind, AuthorizeTap tap, string uid, string detail, Instant now) =>
        new(Guid.CreateVersion7(), kind, tap.TerminalId, uid, tap.Sequence, detail, now);

    private TapDeclined Declined(AuthorizeTap tap, string uid, TapDeclineReason reason, string message, long? balance) =>
        new(tap.TerminalId ?? "", tap.Sequence, uid, reason, message, balance, clock.GetCurrentInstant());
}
