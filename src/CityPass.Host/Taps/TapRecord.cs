using CityPass.Contracts.Terminals;
using NodaTime;

namespace CityPass.Host.Taps;

/// <summary>
/// The decision on one tap, stored under (terminal id, sequence) in the same transaction as its charge,
/// so that a redelivered or retried tap gets the first answer and charges nothing.
/// </summary>
public sealed record TapRecord(
    string Id,
    string TerminalId,
    long Sequence,
    string CardUid,
    string VenueId,
    long AmountCents,
    Instant TerminalTime,
    Guid? CardId,
    TapDeclineReason? DeclineReason,
    string? Message,
    long ChargedCents,
    long? BalanceCents,
    Instant DecidedAt)
{
    public static string IdFor(string terminalId, long sequence) => $"{terminalId}/{sequence}";

    public bool Authorized => DeclineReason is null;

    /// <summary>Whether a repeat of this (terminal, sequence) asks for the same tap; otherwise the terminal reused a number.</summary>
    public bool SameTapAs(string cardUid, AuthorizeTap tap) =>
        CardUid == cardUid && VenueId == tap.VenueId && AmountCents == tap.AmountCents && TerminalTime == tap.TerminalTime;

    public object ToReply() => Authorized
        ? new TapAuthorized(TerminalId, Sequence, CardUid, ChargedCents, BalanceCents ?? 0, DecidedAt)
        : new TapDeclined(TerminalId, Sequence, CardUid, DeclineReason!.Value, Message ?? "", BalanceCents, DecidedAt);
}
