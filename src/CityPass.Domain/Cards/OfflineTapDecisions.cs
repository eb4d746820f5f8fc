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

/// <summary>Why a person should review a tap honoured offline.</summary>
[Flags]
public enum OfflineFlag
{
    None = 0,
    CardWasDenied = 1 << 0,
    Overdraft = 1 << 1,

    /// <summary>CityPass would have declined it for a reason an honoured tap cannot be charged for (an unknown venue…).</summary>
    NotHonourable = 1 << 2,
    UnknownCard = 1 << 3,
    CardNotAuthentic = 1 << 4,
    CardReplayed = 1 << 5,
    ClockSkew = 1 << 6,

    /// <summary>The tap's service day is older than the card's cap memory: recorded, charged nothing (see <see cref="Card.CapMemoryDays"/>).</summary>
    CapMemoryLapsed = 1 << 7,
}

/// <summary>The review flags of an offline tap, stored and sent as their codes: "card-replayed,clock-skew", "not-honourable:UnknownVenue".</summary>
/// <param name="NotHonourableBecause">With <see cref="OfflineFlag.NotHonourable"/>: what an online tap would have been declined for.</param>
public readonly record struct OfflineFlags(OfflineFlag Flags, DeclineReason? NotHonourableBecause = null)
{
    private static readonly (OfflineFlag Flag, string Code)[] Codes =
    [
        (OfflineFlag.CardWasDenied, "card-was-denied"),
        (OfflineFlag.CapMemoryLapsed, "cap-memory-lapsed"),
        (OfflineFlag.Overdraft, "overdraft"),
        (OfflineFlag.NotHonourable, "not-honourable"),
        (OfflineFlag.UnknownCard, "unknown-card"),
        (OfflineFlag.CardNotAuthentic, "card-not-authentic"),
        (OfflineFlag.CardReplayed, "card-replayed"),
        (OfflineFlag.ClockSkew, "clock-skew"),
    ];

    public static OfflineFlags NotHonourable(DeclineReason reason) => new(OfflineFlag.NotHonourable, reason);

    public OfflineFlags With(OfflineFlag flag) => this with { Flags = Flags | flag };

    /// <summary>The codes of the flags set, comma-separated in the order above; null when there is nothing to review.</summary>
    public string? Code
    {
        get
        {
            var flags = Flags;
            var reason = NotHonourableBecause;
            var codes = Codes.Where(c => flags.HasFlag(c.Flag))
                .Select(c => c.Flag == OfflineFlag.NotHonourable ? $"{c.Code}:{reason}" : c.Code).ToList();
            return codes.Count == 0 ? null : string.Join(',', codes);
        }
    }

    /// <summary>The flag of a tap recorded with a card that failed the screening.</summary>
    public static OfflineFlag Of(TapVerdict.CardFailed failed) => failed.Reason switch
    {
        DeclineReason.UnknownCard => OfflineFlag.UnknownCard,
        DeclineReason.CardNotAuthentic => OfflineFlag.CardNotAuthentic,
        DeclineReason.CardReplayed => OfflineFlag.CardReplayed,
        _ => throw new ArgumentOutOfRangeException(nameof(failed), failed.Reason, "Not a card failure."),
    };
}

/// <param name="Events">What to append to the card stream.</param>
/// <param name="Flags">Why a person should review the tap, if anything.</param>
public sealed record OfflineTapOutcome(IReadOnlyList<object> Events, OfflineFlags Flags, Money Charged);

/// <summary>
/// A tap a terminal honoured while offline, uploaded later. The venue let the holder in, so it is recorded and charged
/// whatever CityPass would have said online: priced at the terminal's time (its business day), by the same precedence
/// of rights; a blocked card is charged and flagged; a fare the balance does not cover takes the balance and records
/// the rest as a debt, and the card is blocked for debt (and so goes on the deny list) until it is settled.
/// </summary>
public static class OfflineTapDecisions
{
    public static OfflineTapOutcome Decide(Card card, Scheme scheme, Tap tap)
    {
        var wasDenied = card.Status == CardStatus.Blocked;
        var asHonoured = wasDenied ? card with { Status = CardStatus.Active } : card;
        var at = tap.TerminalTime;
        switch (TapDecisions.Decide(asHonoured, scheme, tap, at))
        {
            case TapDecision.Authorized a:
                var lapsed = a.Event is FareCharged { Price.CapMemoryLapsed: true };
                var flags = (wasDenied ? OfflineFlag.CardWasDenied : OfflineFlag.None) | (lapsed ? OfflineFlag.CapMemoryLapsed : OfflineFlag.None);
                return new OfflineTapOutcome([a.Event], new(flags), a.Charged);

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
                return new OfflineTapOutcome(events, new(wasDenied ? OfflineFlag.CardWasDenied : OfflineFlag.Overdraft), fare.Charged);

            case TapDecision.Declined d:
                return new OfflineTapOutcome([], OfflineFlags.NotHonourable(d.Reason), Money.Zero);

            default:
                throw new InvalidOperationException("Unknown tap decision.");
        }
    }
}
