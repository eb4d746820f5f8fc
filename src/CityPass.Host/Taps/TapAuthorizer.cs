using CityPass.Contracts.Terminals;
using CityPass.Domain;
using CityPass.Domain.Cards;
using CityPass.Host.Infrastructure;
using Marten;
using Microsoft.Extensions.Options;
using NodaTime;

namespace CityPass.Host.Taps;

/// <summary>
/// Decides an online tap: exactly once per (terminal id, sequence), never below a zero balance.
/// One Marten transaction per decision holds the card's new event and the tap's record; a lost race on the
/// card stream is decided again from fresh state.
/// </summary>
public sealed class TapAuthorizer(IDocumentStore store, IClock clock, IOptions<LedgerOptions> ledger, ILogger<TapAuthorizer> logger)
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
            record = Record(tap, uid, null, now, TapDeclineReason.UnknownCard, $"No card with UID {uid} was issued.", 0, null);
        }
        else
        {
            var stream = await session.Events.FetchForWriting<Card>(cardIds[0], ct);
            var card = stream.Aggregate!;
            var command = new ChargeFare(tap.VenueId, tap.TerminalId, tap.Sequence, Money.FromCents(tap.AmountCents), tap.TerminalTime);
            switch (CardDecisions.Decide(card, command, ledger.Value.ToLimits(), now))
            {
                case TapDecision.Authorized(var charge):
                    stream.AppendOne(charge);
                    record = Record(tap, uid, card.Id, now, null, null, charge.Amount.Cents, charge.BalanceAfter.Cents);
                    break;
                case TapDecision.Declined(var reason, var message, var balance):
                    record = Record(tap, uid, card.Id, now, ToWire(reason), message, 0, balance?.Cents);
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
    private string? Validate(AuthorizeTap tap)
    {
        if (string.IsNullOrWhiteSpace(tap.TerminalId) || tap.TerminalId.Length > 64)
            return "terminalId is required (1 to 64 characters).";
        if (tap.Sequence < 0)
            return $"sequence must be zero or more (got {tap.Sequence}).";
        if (string.IsNullOrWhiteSpace(tap.VenueId) || tap.VenueId.Length > 64)
            return "venueId is required (1 to 64 characters).";
        if (tap.TerminalTime == default)
            return "terminalTime is required (ISO-8601 UTC).";
        if (!CardUid.TryParse(tap.CardUid, out _, out var uidError))
            return uidError;
        return ledger.Value.ToLimits().CheckFare(Money.FromCents(tap.AmountCents));
    }

    private static TapRecord Record(
        AuthorizeTap tap, string uid, Guid? cardId, Instant now, TapDeclineReason? reason, string? message, long charged, long? balance) =>
        new(TapRecord.IdFor(tap.TerminalId, tap.Sequence), tap.TerminalId, tap.Sequence, uid, tap.VenueId, tap.AmountCents,
            tap.TerminalTime, cardId, reason, message, charged, balance, now);

    private TapDeclined Declined(AuthorizeTap tap, string uid, TapDeclineReason reason, string message, long? balance) =>
        new(tap.TerminalId ?? "", tap.Sequence, uid, reason, message, balance, clock.GetCurrentInstant());

    private static TapDeclineReason ToWire(DeclineReason reason) => reason switch
    {
        DeclineReason.InvalidRequest => TapDeclineReason.InvalidRequest,
        DeclineReason.UnknownCard => TapDeclineReason.UnknownCard,
        DeclineReason.CardBlocked => TapDeclineReason.CardBlocked,
        DeclineReason.InsufficientFunds => TapDeclineReason.InsufficientFunds,
        DeclineReason.SequenceReused => TapDeclineReason.SequenceReused,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
