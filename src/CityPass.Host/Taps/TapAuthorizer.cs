using CityPass.Contracts.Terminals;
using CityPass.Domain;
using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using CityPass.Host.Infrastructure;
using Marten;
using NodaTime;

namespace CityPass.Host.Taps;

/// <summary>
/// Decides an online tap: exactly once per (terminal id, sequence), never below a zero balance, never the same carnet
/// entry or ticket twice. One Marten transaction holds the card's new event and the tap's record; a lost race on the
/// card stream is decided again from fresh state. Online taps are priced at the server's time of decision.
/// </summary>
public sealed class TapAuthorizer(IDocumentStore store, IClock clock, ILogger<TapAuthorizer> logger)
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

        return await ConflictRetry.RunAsync(token => DecideOnce(tap, uid, token), ct);
    }

    private async Task<object> DecideOnce(AuthorizeTap tap, string uid, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var batch = session.CreateBatchQuery();
        var priorTask = batch.Load<TapRecord>(TapRecord.IdFor(tap.TerminalId, tap.Sequence));
        var cardIdTask = batch.Query<Card>().Where(c => c.Uid == uid).Select(c => c.Id).ToList();
        var schemeTask = batch.Load<Scheme>(Scheme.StreamId);
        await batch.Execute(ct);

        if (await priorTask is { } prior)
        {
            if (prior.SameTapAs(uid, tap))
                return prior.ToReply();
            logger.LogWarning("Terminal {TerminalId} reused sequence {Sequence} for a different tap", tap.TerminalId, tap.Sequence);
            return Declined(tap, uid, TapDeclineReason.SequenceReused,
                $"Sequence {tap.Sequence} of terminal {tap.TerminalId} was already used for another tap; nothing was charged.", null);
        }

        var now = clock.GetCurrentInstant();
        var cardIds = await cardIdTask;
        TapRecord record;
        if (cardIds.Count == 0)
        {
            record = Declined(tap, uid, null, now, TapDeclineReason.UnknownCard, $"No card with UID {uid} was issued.", null);
        }
        else
        {
            var stream = await session.Events.FetchForWriting<Card>(cardIds[0], ct);
            var card = stream.Aggregate!;
            var scheme = await schemeTask ?? Scheme.Empty;
            switch (TapDecisions.Decide(card, scheme, new Tap(tap.VenueId, tap.TerminalId, tap.Sequence, tap.TerminalTime), now))
            {
                case TapDecision.Authorized a:
                    stream.AppendOne(a.Event);
                    record = new TapRecord(TapRecord.IdFor(tap.TerminalId, tap.Sequence), tap.TerminalId, tap.Sequence, uid, tap.VenueId,
                        tap.TerminalTime, card.Id, null, null, a.RightUsed, a.ProductId, a.Charged.Cents, a.BalanceAfter.Cents,
                        a.EntriesLeft, a.ValidUntil, now);
                    break;
                case TapDecision.Declined d:
                    record = Declined(tap, uid, card.Id, now, ToWire(d.Reason), d.Message, d.Balance?.Cents);
                    break;
                default:
                    throw new InvalidOperationException("Unknown tap decision.");
            }
        }

        session.Insert(record);
        await session.SaveChangesAsync(ct);
        return record.ToReply();
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
        return CardUid.TryParse(tap.CardUid, out _, out var uidError) ? null : uidError;
    }

    private static TapRecord Declined(
        AuthorizeTap tap, string uid, Guid? cardId, Instant now, TapDeclineReason reason, string message, long? balance) =>
        new(TapRecord.IdFor(tap.TerminalId, tap.Sequence), tap.TerminalId, tap.Sequence, uid, tap.VenueId, tap.TerminalTime,
            cardId, reason, message, null, null, 0, balance, null, null, now);

    private TapDeclined Declined(AuthorizeTap tap, string uid, TapDeclineReason reason, string message, long? balance) =>
        new(tap.TerminalId ?? "", tap.Sequence, uid, reason, message, balance, clock.GetCurrentInstant());

    private static TapDeclineReason ToWire(DeclineReason reason) =>
        Enum.Parse<TapDeclineReason>(reason.ToString());
}
