using System.Globalization;
using CityPass.Domain.Schemes;
using CityPass.Domain.Security;
using NodaTime;

namespace CityPass.Domain.Cards;

/// <summary>A tap as its terminal signed it, online or offline.</summary>
/// <param name="CardUid">The UID as the reader reported it: the terminal signed this form.</param>
/// <param name="CanonicalUid">The same UID in canonical form (upper-case hex): the card's key is diversified from it.</param>
public sealed record ScreenedTap(
    string TerminalId, long Sequence, string CardUid, string CanonicalUid, string VenueId, Instant TerminalTime, long CardCounter,
    string Cryptogram, string Mac)
{
    public byte[] SignedLine => TerminalSignature.ForTap(TerminalId, Sequence, CardUid, VenueId, TerminalTime, CardCounter, Cryptogram);

    public string Id => string.Create(CultureInfo.InvariantCulture, $"{TerminalId}/{Sequence}");
}

/// <summary>How a tap reached CityPass: decided online now, or honoured offline by the terminal and uploaded later.</summary>
public enum TapChannel
{
    Online,
    Offline,
}

/// <summary>What is already recorded under the tap's (terminal id, sequence).</summary>
public enum SequenceSeen
{
    New,

    /// <summary>The same tap (same card, venue and terminal time): a redelivery or a retry.</summary>
    SameTap,

    /// <summary>Another tap: the terminal reused its sequence number.</summary>
    OtherTap,
}

/// <summary>Something a person should look at, found by the screening.</summary>
public sealed record ScreeningIncident(string Kind, string Detail);

public abstract record TapVerdict
{
    private TapVerdict() { }

    /// <summary>Every check passed: the tap is priced with the card.</summary>
    /// <param name="IssuedCardId">The card issued with the tap's UID (not named CardId: a verdict is no card event).</param>
    /// <param name="ClockAhead">Offline: the terminal's clock is ahead of the server's by more than the allowed skew.</param>
    public sealed record Passed(Guid IssuedCardId, bool ClockAhead) : TapVerdict;

    /// <summary>Online: the same tap again, answered as the first time. Offline: a sequence already recorded, a duplicate.</summary>
    public sealed record AlreadyDecided : TapVerdict;

    /// <summary>Refused before anything is recorded: only the incident is written.</summary>
    public sealed record Refused(DeclineReason Reason, string Message, ScreeningIncident Incident) : TapVerdict;

    /// <summary>The card is unknown or fails authentication: the tap is recorded uncharged, and its counter is not kept.</summary>
    /// <param name="Incident">Reported when the card may be cloned or replayed (always, when the card was issued).</param>
    /// <param name="ClockAhead">Offline: the terminal's clock is ahead of the server's by more than the allowed skew.</param>
    public sealed record CardFailed(DeclineReason Reason, string Message, Guid? CardId, ScreeningIncident? Incident, bool ClockAhead) : TapVerdict;
}

/// <summary>
/// The security and validity checks of a tap, before any fare is priced, the same online and offline. In this order:
/// offline, a sequence already recorded is a duplicate; the terminal is enrolled and its signature verifies; online,
/// a sequence already recorded for the same tap is a repeat (answered as recorded, however old), then the terminal's
/// time is within the allowed skew of the server's, and a sequence recorded for another tap is a reused number; the card
/// was issued; its cryptogram verifies; its counter was never used.
/// An offline tap is honoured whatever its clock: a clock ahead of the server's is flagged, not refused.
/// </summary>
public static class TapScreening
{
    /// <param name="terminal">The terminal's entry in the scheme, null when it is not in it.</param>
    /// <param name="cardId">The card issued with the tap's UID, null when none was.</param>
    /// <param name="counterUsedBy">The tap that already used the card's counter, null when none did.</param>
    public static TapVerdict Screen(
        ScreenedTap tap, TapChannel channel, Terminal? terminal, IDeviceKeys keys, Guid? cardId, SequenceSeen sequence,
        string? counterUsedBy, Instant now, Duration maxSkew)
    {
        var online = channel == TapChannel.Online;
        if (!online && sequence != SequenceSeen.New)
            return new TapVerdict.AlreadyDecided();

        if (TerminalProblem(terminal, tap.TerminalId, keys, tap.SignedLine, tap.Mac) is { } forged)
            return new TapVerdict.Refused(DeclineReason.NotAuthenticated, forged,
                new(online ? "terminal-not-authenticated" : "offline-tap-not-authenticated", forged));

        var clockAhead = tap.TerminalTime > now + maxSkew;
        if (online)
        {
            // A copy of a tap already decided (a resend, or a copy replayed from an error queue) gets its recorded answer,
            // however old: it charges nothing, so its age is no threat.
            if (sequence == SequenceSeen.SameTap)
                return new TapVerdict.AlreadyDecided();
            if (tap.TerminalTime < now - maxSkew || clockAhead)
            {
                var stale = $"The terminal's time {tap.TerminalTime} is more than {maxSkew.TotalSeconds} s from the server's {now}: a replayed message, or a clock to set.";
                return new TapVerdict.Refused(DeclineReason.StaleRequest, stale, new("stale-request", stale));
            }
            if (sequence == SequenceSeen.OtherTap)
            {
                var reused = $"Sequence {tap.Sequence} of terminal {tap.TerminalId} was already used for another tap; nothing was charged.";
                return new TapVerdict.Refused(DeclineReason.SequenceReused, reused, new("sequence-reused", reused));
            }
        }

        if (cardId is not { } card)
            return new TapVerdict.CardFailed(DeclineReason.UnknownCard, $"No card with UID {tap.CanonicalUid} was issued.", null, null, clockAhead);
        // Offline, a failed card is reported whatever the terminal's clock: a clock ahead is one more reason to look.
        ScreeningIncident Report(string kind, string onlineDetail) =>
            online ? new(kind, onlineDetail)
            : new(kind, $"Offline tap {tap.Id} was honoured with a card that failed authentication{(clockAhead ? " (and the terminal's clock was ahead of the server's)" : "")}.");
        if (!keys.AcceptedCardKeys(tap.CanonicalUid).Any(key => CardCryptogram.Verify(key, tap.CanonicalUid, tap.CardCounter, tap.TerminalId, tap.Sequence, tap.Cryptogram)))
            return new TapVerdict.CardFailed(DeclineReason.CardNotAuthentic, "The card's cryptogram does not verify: a cloned UID or a bad read.", card,
                Report("card-not-authentic", "Cryptogram does not verify with the card's key."), clockAhead);
        if (counterUsedBy is not null)
            return new TapVerdict.CardFailed(DeclineReason.CardReplayed,
                $"Card counter {tap.CardCounter} was already used (tap {counterUsedBy}): a replayed or cloned card.", card,
                Report("card-replayed", $"Counter {tap.CardCounter} already used by tap {counterUsedBy}."), clockAhead);
        return new TapVerdict.Passed(card, clockAhead);
    }

    /// <summary>Whether a terminal may sign, and did sign <paramref name="signedLine"/>: online taps, offline uploads and heartbeats.</summary>
    /// <returns>Why the terminal is not authenticated, or null when it is.</returns>
    public static string? TerminalProblem(Terminal? terminal, string terminalId, IDeviceKeys keys, byte[] signedLine, string? mac)
    {
        if (terminal is null)
            return $"Terminal {terminalId} is not in the scheme.";
        if (terminal.KeyVersion == 0)
            return $"Terminal {terminalId} was never enrolled.";
        if (terminal.Decommissioned)
            return $"Terminal {terminalId} is decommissioned.";
        return keys.AcceptedTerminalKeys(terminalId, terminal.KeyVersion).Any(key => TerminalSignature.Verify(key, signedLine, mac))
            ? null
            : $"The signature of terminal {terminalId} does not verify (key version {terminal.KeyVersion}).";
    }
}
