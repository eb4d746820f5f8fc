using CityPass.Domain.Schemes;
using CityPass.Domain.Security;

namespace CityPass.Host.Terminals;

/// <summary>
/// Who is talking: the terminal's signature with its enrolled key (heartbeats), and the fields every tap must have.
/// A tap's checks, online and offline, are <see cref="TapScreening"/>.
/// </summary>
public sealed class TapVerifier(KeyRing keys)
{
    /// <returns>Why the terminal is not authenticated, or null when it is.</returns>
    public string? TerminalProblem(Scheme scheme, string terminalId, byte[] canonical, string? mac) =>
        TapScreening.TerminalProblem(scheme.Terminals.GetValueOrDefault(terminalId), terminalId, keys, canonical, mac);

    /// <summary>What is wrong with a tap's fields, online or offline, before anything is read or written; null when nothing.</summary>
    public static string? FieldsProblem(string? terminalId, long sequence, string? cardUid, string? venueId, Instant terminalTime,
        long cardCounter, string? cryptogram, string? mac)
    {
        if (string.IsNullOrWhiteSpace(terminalId) || terminalId.Length > 64)
            return "terminalId is required (1 to 64 characters).";
        if (sequence < 0)
            return $"sequence must be zero or more (got {sequence}).";
        if (string.IsNullOrWhiteSpace(venueId) || venueId.Length > 64)
            return "venueId is required (1 to 64 characters).";
        if (terminalTime == default)
            return "terminalTime is required (ISO-8601 UTC).";
        if (cardCounter < 0)
            return "cardCounter is required (zero or more).";
        if (string.IsNullOrEmpty(cryptogram) || string.IsNullOrEmpty(mac))
            return "cryptogram and mac are required.";
        // Bounded before anything quotes them: an oversized value is refused, never echoed.
        if (cryptogram.Length > MaxCryptogram || mac.Length > MaxMac)
            return $"cryptogram is at most {MaxCryptogram} characters and mac at most {MaxMac}.";
        if (cardUid is { Length: > MaxCardUid })
            return $"cardUid is at most {MaxCardUid} characters.";
        return Domain.CardUid.TryParse(cardUid, out _, out var uidError) ? null : uidError;
    }

    /// <summary>A 10-byte UID written with a separator between bytes is 29 characters; this leaves room for any spelling.</summary>
    public const int MaxCardUid = 64;

    public const int MaxCryptogram = 64;

    public const int MaxMac = 128;

    public static byte[] TapLine(string terminalId, long sequence, string cardUid, string venueId, Instant terminalTime, long counter, string cryptogram) =>
        TerminalSignature.ForTap(terminalId, sequence, cardUid, venueId, terminalTime, counter, cryptogram);
}
