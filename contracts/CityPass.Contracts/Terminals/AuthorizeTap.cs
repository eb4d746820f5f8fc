using NodaTime;

// Frozen namespace: MassTransit names messages "urn:message:CityPass.Contracts.Terminals:<Type>".
namespace CityPass.Contracts.Terminals;

/// <summary>
/// A card presented at a validator terminal, asking to charge a fare.
/// Sent by a terminal to the queue <see cref="TerminalQueues.Taps"/> as a request; consumed by the CityPass host,
/// which answers exactly one of <see cref="TapAuthorized"/> or <see cref="TapDeclined"/> to the request's response address.
/// The same (<paramref name="TerminalId"/>, <paramref name="Sequence"/>) sent again gets the first answer and charges nothing.
/// </summary>
/// <param name="TerminalId">The terminal's enrolled id.</param>
/// <param name="Sequence">The terminal's own tap counter, never reused; a retry keeps the same number.</param>
/// <param name="CardUid">The UID as the reader reports it (4, 7 or 10 bytes in hex; case and ':' separators are ignored).</param>
/// <param name="VenueId">The venue the terminal stands at. The scheme's tariffs price the tap; the terminal sends no amount.</param>
/// <param name="TerminalTime">When the card was presented, by the terminal's clock (ISO-8601 UTC, e.g. "2026-11-25T17:45:00Z"); online taps must be within the allowed clock skew of the server.</param>
/// <param name="CardCounter">The card's transaction counter for this tap; a counter is never accepted twice for one card.</param>
/// <param name="Cryptogram">The card's MAC over this tap with its diversified key (16 hex characters), see docs/terminal-protocol.md.</param>
/// <param name="Mac">The terminal's HMAC-SHA256 over the tap's canonical form with its enrolled key (64 hex characters); protocol 2
/// fields are length-prefixed (docs/terminal-protocol.md).</param>
public sealed record AuthorizeTap(
    string TerminalId,
    long Sequence,
    string CardUid,
    string VenueId,
    Instant TerminalTime,
    long CardCounter,
    string Cryptogram,
    string Mac);

/// <summary>
/// The entry is granted: open the gate. Sent by the CityPass host in reply to <see cref="AuthorizeTap"/>; consumed by the terminal.
/// Protocol 2: the envelope's header <c>CityPass-Signature</c> signs it (docs/terminal-protocol.md, "Signed answers"); a
/// terminal opens the gate only for an answer that verifies.
/// </summary>
/// <param name="TerminalId">Echoed from the request.</param>
/// <param name="Sequence">Echoed from the request.</param>
/// <param name="CardUid">The canonical UID (upper-case hex, no separators), or the raw one when it could not be read.</param>
/// <param name="RightUsed">What let the holder in: "StoredValue" (a fare was charged), "EventTicket", "FreeEntry", "PeriodPass" or "Carnet".</param>
/// <param name="ProductId">The product of the right used (the pay-as-you-go product for stored value).</param>
/// <param name="ChargedCents">What was taken from the stored value (0 when a right was used or the daily cap is reached).</param>
/// <param name="BalanceCents">What is left on the card, to show on the terminal's display.</param>
/// <param name="EntriesLeft">Carnets: entries left after this one; a used event ticket: 0; otherwise null.</param>
/// <param name="ValidUntil">Passes, carnets, tickets and free entries: the last local day the right is valid.</param>
/// <param name="DecidedAt">When the back end decided (server clock).</param>
/// <param name="Fare">Stored value only: how <paramref name="ChargedCents"/> was found. Optional: absent from answers recorded before it
/// existed, and a terminal may ignore it.</param>
public sealed record TapAuthorized(
    string TerminalId,
    long Sequence,
    string CardUid,
    string RightUsed,
    string? ProductId,
    long ChargedCents,
    long BalanceCents,
    int? EntriesLeft,
    LocalDate? ValidUntil,
    Instant DecidedAt,
    FareBreakdown? Fare = null);

/// <summary>
/// How a pay-as-you-go fare was priced, so that the terminal can show it and a person can check it: the tariff version, the
/// base fare, the concession and its rounding, and what the daily cap took off. Part of <see cref="TapAuthorized"/>.
/// </summary>
/// <param name="TariffId">The tariff that priced the tap.</param>
/// <param name="TariffEffectiveFrom">The version of that tariff: the instant it took effect.</param>
/// <param name="BaseCents">The tariff's price before any concession.</param>
/// <param name="ProfileId">The holder's concession profile, if any.</param>
/// <param name="ReductionPercent">The reduction applied to the base (0 when the tariff is the profile's own price).</param>
/// <param name="Rounding">The rounding rule of the reduction, e.g. "HalfUp to the cent".</param>
/// <param name="ReducedCents">The base after the reduction, rounded: the fare before the daily cap.</param>
/// <param name="DailyCapCents">The cap of the tap's service day, if one applies.</param>
/// <param name="CapTookOffCents">What the daily cap took off the reduced fare (0 below the cap).</param>
public sealed record FareBreakdown(
    string TariffId,
    Instant TariffEffectiveFrom,
    long BaseCents,
    string? ProfileId,
    int ReductionPercent,
    string Rounding,
    long ReducedCents,
    long? DailyCapCents,
    long CapTookOffCents);

/// <summary>
/// The tap is refused: keep the gate shut. Sent by the CityPass host in reply to <see cref="AuthorizeTap"/>; consumed by the terminal.
/// Nothing was charged. Signed like <see cref="TapAuthorized"/>.
/// </summary>
/// <param name="TerminalId">Echoed from the request.</param>
/// <param name="Sequence">Echoed from the request.</param>
/// <param name="CardUid">The canonical UID (upper-case hex, no separators), or the raw one when it could not be read.</param>
/// <param name="Reason">A machine-readable code; <paramref name="Message"/> explains it to people.</param>
/// <param name="Message">The reason in words, for logs and the terminal's display.</param>
/// <param name="BalanceCents">The card's balance when it is known (not for an unknown card, venue or an invalid request).</param>
/// <param name="DecidedAt">When the back end decided (server clock).</param>
public sealed record TapDeclined(
    string TerminalId,
    long Sequence,
    string CardUid,
    TapDeclineReason Reason,
    string Message,
    long? BalanceCents,
    Instant DecidedAt);

/// <summary>Why a tap is declined. Sent on the wire as its name, e.g. "InsufficientFunds".</summary>
public enum TapDeclineReason
{
    /// <summary>The request itself is wrong (missing field, malformed UID, a terminal attached to another venue).</summary>
    InvalidRequest,

    /// <summary>No card with this UID was ever issued.</summary>
    UnknownCard,

    /// <summary>The card is blocked (lost, stolen, fraud, debt).</summary>
    CardBlocked,

    /// <summary>The balance does not cover the fare.</summary>
    InsufficientFunds,

    /// <summary>This terminal already used this sequence number for a different tap: a terminal fault, nothing charged.</summary>
    SequenceReused,

    /// <summary>The venue is not in the scheme.</summary>
    UnknownVenue,

    /// <summary>The venue is outside its opening hours.</summary>
    VenueClosed,

    /// <summary>No right held is valid at this venue, and the venue takes no stored value now.</summary>
    NoValidRight,

    /// <summary>A pass, carnet or free entry for this venue is held but not valid today.</summary>
    OutsideValidity,

    /// <summary>An event ticket for this venue is held, but the doors are not open yet.</summary>
    EventNotStarted,

    /// <summary>An event ticket for this venue is held, but the show is over.</summary>
    EventOver,

    /// <summary>The event ticket was already used.</summary>
    AlreadyUsed,

    /// <summary>The carnet for this venue has no entry left.</summary>
    NoEntriesLeft,

    /// <summary>The terminal is unknown, not enrolled, decommissioned, or its signature does not verify. Reported.</summary>
    NotAuthenticated,

    /// <summary>The terminal's time is too far from the server's for an online tap (a replayed message, or a clock to fix).</summary>
    StaleRequest,

    /// <summary>The card's cryptogram does not verify: a cloned UID or a corrupted read. Reported.</summary>
    CardNotAuthentic,

    /// <summary>The card's counter was already used by another tap: a replayed or cloned card. Reported.</summary>
    CardReplayed,
}

/// <summary>The queue names terminals send to. An exchange of the same name (fanout) is bound to each.</summary>
public static class TerminalQueues
{
    /// <summary>Where <see cref="AuthorizeTap"/> requests go.</summary>
    public const string Taps = "citypass-taps";

    /// <summary>Where <see cref="UploadOfflineTaps"/> requests go.</summary>
    public const string OfflineTaps = "citypass-offline-taps";

    /// <summary>Where <see cref="TerminalHeartbeat"/> messages go.</summary>
    public const string Heartbeats = "citypass-heartbeats";

    /// <summary>The fanout exchange <see cref="DenyListChanged"/> is published on.</summary>
    public const string DenyList = "citypass-deny-list";
}
