using CityPass.Contracts.Terminals;
using NodaTime;

namespace CityPass.Host.Taps;

/// <summary>
/// The decision on one tap, stored under (terminal id, sequence) in the same transaction as its effect on the card,
/// so that a redelivered or retried tap gets the first answer and changes nothing.
/// </summary>
public sealed record TapRecord(
    string Id,
    string TerminalId,
    long Sequence,
    string CardUid,
    string VenueId,
    Instant TerminalTime,
    Guid? CardId,
    TapDeclineReason? DeclineReason,
    string? Message,
    string? RightUsed,
    string? ProductId,
    long ChargedCents,
    long? BalanceCents,
    int? EntriesLeft,
    LocalDate? ValidUntil,
    Instant DecidedAt)
{
    public static string IdFor(string terminalId, long sequence) => $"{terminalId}/{sequence}";

    public bool Authorized => DeclineReason is null;

    /// <summary>Whether a repeat of this (terminal, sequence) asks for the same tap; otherwise the terminal reused a number.</summary>
    public bool SameTapAs(string cardUid, AuthorizeTap tap) =>
        CardUid == cardUid && VenueId == tap.VenueId && TerminalTime == tap.TerminalTime;

    public object ToReply() => Authorized
        ? new TapAuthorized(TerminalId, Sequence, CardUid, RightUsed!, ProductId, ChargedCents, BalanceCents ?? 0, EntriesLeft, ValidUntil, DecidedAt)
        : new TapDeclined(TerminalId, Sequence, CardUid, DeclineReason!.Value, Message ?? "", BalanceCents, DecidedAt);
}
