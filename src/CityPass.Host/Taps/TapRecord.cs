using CityPass.Contracts.Terminals;
using CityPass.Domain.Schemes;

namespace CityPass.Host.Taps;

/// <summary>
/// The decision on one tap, online or offline, stored under (terminal id, sequence) in the same transaction as its
/// effect on the card, so that a redelivered, retried or re-uploaded tap gets the first answer and changes nothing.
/// A card counter is unique per card (a unique index): a second tap with it is a replay or a clone.
/// </summary>
/// <param name="CardCounter">The card's counter, when the card was authentic; null otherwise.</param>
/// <param name="Offline">Decided by the terminal alone and uploaded later.</param>
/// <param name="Flag">Why a person should review it (offline taps), if anything.</param>
/// <param name="Price">How a stored-value fare was priced, for the answer.</param>
public sealed record TapRecord(
    string Id,
    string TerminalId,
    long Sequence,
    string CardUid,
    string VenueId,
    Instant TerminalTime,
    Guid? CardId,
    long? CardCounter,
    TapDeclineReason? DeclineReason,
    string? Message,
    string? RightUsed,
    string? ProductId,
    long ChargedCents,
    long? BalanceCents,
    int? EntriesLeft,
    LocalDate? ValidUntil,
    Instant DecidedAt,
    bool Offline = false,
    string? Flag = null,
    PriceBreakdown? Price = null)
{
    public static string IdFor(string terminalId, long sequence) => $"{terminalId}/{sequence}";

    /// <summary>The terminal time as a column (not in the JSON): compaction finds records past the replay window by its index.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long TerminalTimeUnixMilliseconds => TerminalTime.ToUnixTimeMilliseconds();

    public bool IsAuthorized => DeclineReason is null;

    /// <summary>Whether a repeat of this (terminal, sequence) asks for the same tap; otherwise the terminal reused a number.</summary>
    public bool SameTapAs(string cardUid, AuthorizeTap tap) =>
        CardUid == cardUid && VenueId == tap.VenueId && TerminalTime == tap.TerminalTime;

    public static TapRecord Authorized(AuthorizeTap tap, string uid, Guid cardId, long counter, Instant now, TapDecision.Authorized a) =>
        new(IdFor(tap.TerminalId, tap.Sequence), tap.TerminalId, tap.Sequence, uid, tap.VenueId, tap.TerminalTime, cardId, counter,
            null, null, a.RightUsed, a.ProductId, a.Charged.Cents, a.BalanceAfter.Cents, a.EntriesLeft, a.ValidUntil, now,
            Price: (a.Event as FareCharged)?.Price);

    public static TapRecord Declined(
        AuthorizeTap tap, string uid, Guid? cardId, long? counter, Instant now, TapDeclineReason reason, string message, long? balance) =>
        new(IdFor(tap.TerminalId, tap.Sequence), tap.TerminalId, tap.Sequence, uid, tap.VenueId, tap.TerminalTime,
            cardId, counter, reason, message, null, null, 0, balance, null, null, now);

    public TapReply ToReply() => IsAuthorized
        ? new TapReply.Authorized(new(TerminalId, Sequence, CardUid, RightUsed!, ProductId, ChargedCents, BalanceCents ?? 0, EntriesLeft, ValidUntil, DecidedAt,
            Price is { } p ? new FareBreakdown(p.TariffId, p.TariffEffectiveFrom, p.Base.Cents, p.ProfileId, p.ReductionPercent, p.Rounding,
                p.Reduced.Cents, p.DailyCap?.Cents, p.CapTookOff.Cents) : null))
        : new TapReply.Declined(new(TerminalId, Sequence, CardUid, DeclineReason!.Value, Message ?? "", BalanceCents, DecidedAt));
}
