using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Cards;

/// <summary>
/// The part of an offline fare the balance did not cover: the venue is owed it all, the cardholder owes this part.
/// The card is blocked for debt until a reload settles it.
/// </summary>
public sealed record FareOwed(
    Guid CardId, string VenueId, string TerminalId, long TerminalSequence, Money Amount, Money DebtAfter, LocalDate ServiceDate,
    Instant TerminalTime, Instant RecordedAt);

/// <param name="Events">What to append to the card stream.</param>
/// <param name="Flag">Why a person should review the tap, if anything.</param>
public sealed record OfflineTapOutcome(IReadOnlyList<object> Events, string? Flag, Money Charged);

/// <summary>
/// A tap a terminal honoured while offline, uploaded later. The venue let the holder in, so it is recorded and charged
/// whatever CityPass would have said online: priced at the terminal's time (its business day), by the same precedence
/// of rights; a blocked card is charged and flagged; a fare the balance does not cover takes the balance and records
/// the rest as a debt, and the card is blocked for debt (and so goes on the deny list) until it is settled.
/// </summary>
public static class OfflineTapDecisions
{
    /// <summary>The tap's service day is older than the card's cap memory: recorded, charged nothing (see <see cref="Card.CapMemoryDays"/>).</summary>
    public const string CapMemoryLapsedFlag = "cap-memory-lapsed";

    public static OfflineTapOutcome Decide(Card card, Scheme scheme, Tap tap)
    {
        var wasDenied = card.Status == CardStatus.Blocked;
        var asHonoured = wasDenied ? card with { Status = CardStatus.Active } : card;
        var at = tap.TerminalTime;
        switch (TapDecisions.Decide(asHonoured, scheme, tap, at))
        {
            case TapDecision.Authorized a:
                var lapsed = a.Event is FareCharged { Price.CapMemoryLapsed: true };
                var flag = (wasDenied, lapsed) switch
                {
                    (true, true) => $"card-was-denied,{CapMemoryLapsedFlag}",
                    (true, false) => "card-was-denied",
                    (false, true) => CapMemoryLapsedFlag,
                    _ => null,
                };
                return new OfflineTapOutcome([a.Event], flag, a.Charged);

            case TapDecision.Declined { Reason: DeclineReason.InsufficientFunds, Fare: { } fare }:
                var covered = card.Balance > Money.Zero ? card.Balance : Money.Zero;
                var owed = fare.Charged - covered;
                var serviceDate = scheme.Time.ServiceDate(at);
                var events = new List<object>
                {
                    new FareCharged(card.Id, tap.VenueId, tap.TerminalId, tap.TerminalSequence, covered, card.Balance - covered, serviceDate, fare, tap.TerminalTime, at),
                    new FareOwed(card.Id, tap.VenueId, tap.TerminalId, tap.TerminalSequence, owed, card.Debt + owed, serviceDate, tap.TerminalTime, at),
                };
                if (card.Status == CardStatus.Active)
                    events.Add(new CardBlocked(card.Id, CardDecisions.DebtBlockReason, at));
                return new OfflineTapOutcome(events, wasDenied ? "card-was-denied" : "overdraft", fare.Charged);

            case TapDecision.Declined d:
                return new OfflineTapOutcome([], $"not-honourable:{d.Reason}", Money.Zero);

            default:
                throw new InvalidOperationException("Unknown tap decision.");
        }
    }
}
