using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NodaTime;

namespace CityPass.Domain.Security;

/// <summary>The diversified keys of cards and terminals, as the key-management component derives them.</summary>
public interface IDeviceKeys
{
    /// <summary>The card's key from the current master key: what personalisation writes into a chip today.</summary>
    byte[] CardKey(string canonicalUid);

    /// <summary>The terminal's key from the current master key: what enrolment hands out today.</summary>
    byte[] TerminalKey(string terminalId, int keyVersion);

    /// <summary>
    /// The keys a card's cryptogram is checked with now: the current master's, and during a master-key rotation the previous
    /// master's until its acceptance period ends (cards not yet re-keyed keep working until then).
    /// </summary>
    IEnumerable<byte[]> AcceptedCardKeys(string canonicalUid) => [CardKey(canonicalUid)];

    /// <summary>The keys a terminal's signature is checked with now; as <see cref="AcceptedCardKeys"/>.</summary>
    IEnumerable<byte[]> AcceptedTerminalKeys(string terminalId, int keyVersion) => [TerminalKey(terminalId, keyVersion)];
}

/// <summary>
/// Key diversification, as Calypso secure modules do it: one master key per purpose, and each card's or terminal's key
/// derived from it and the card's UID or the terminal's id, so the back end stores no per-device secret.
/// K = HMAC-SHA256(master, label + id). The algorithm is documented for terminal vendors in docs/terminal-protocol.md.
/// </summary>
public sealed class KeyDiversifier(byte[] masterKey, string label)
{
    public const string CardLabel = "citypass-card-v1:";
    public const string TerminalLabel = "citypass-terminal-v1:";

    public byte[] KeyFor(string id) => HMACSHA256.HashData(masterKey, Encoding.UTF8.GetBytes(label + id));

    public static KeyDiversifier ForCards(byte[] master) => new(master, CardLabel);

    /// <summary>A terminal's key changes with each enrolment: re-enrolling rotates it.</summary>
    public static KeyDiversifier ForTerminals(byte[] master) => new(master, TerminalLabel);

    public static string TerminalKeyId(string terminalId, int keyVersion) => $"{terminalId}:{keyVersion.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The card's proof of presence: a MAC over the tap, with the card's diversified key and its transaction counter.</summary>
public static class CardCryptogram
{
    /// <summary>First 8 bytes of HMAC-SHA256(K_card, "UID|counter|terminalId|sequence"), upper-case hex (16 characters).</summary>
    public static string Compute(byte[] cardKey, string canonicalUid, long counter, string terminalId, long sequence)
    {
        var message = string.Create(CultureInfo.InvariantCulture, $"{canonicalUid}|{counter}|{terminalId}|{sequence}");
        return Convert.ToHexString(HMACSHA256.HashData(cardKey, Encoding.UTF8.GetBytes(message)).AsSpan(0, 8));
    }

    public static bool Verify(byte[] cardKey, string canonicalUid, long counter, string terminalId, long sequence, string? cryptogram) =>
        cryptogram is { Length: 16 }
        && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Compute(cardKey, canonicalUid, counter, terminalId, sequence)),
            Encoding.ASCII.GetBytes(cryptogram.ToUpperInvariant()));
}

/// <summary>
/// A terminal's signature over what it sends, and CityPass's over what it answers: HMAC-SHA256 with the terminal's key over
/// the message's <see cref="Canonical"/> form, upper-case hex.
/// </summary>
public static class TerminalSignature
{
    public static string Compute(byte[] terminalKey, byte[] canonical) => Convert.ToHexString(HMACSHA256.HashData(terminalKey, canonical));

    public static bool Verify(byte[] terminalKey, byte[] canonical, string? mac) =>
        mac is { Length: 64 }
        && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Compute(terminalKey, canonical)), Encoding.ASCII.GetBytes(mac.ToUpperInvariant()));

    /// <summary>"AuthorizeTap", terminalId, sequence, cardUid, venueId, terminalTime, cardCounter, cryptogram: the fields exactly as sent (the UID as the reader reported it).</summary>
    public static byte[] ForTap(string terminalId, long sequence, string cardUid, string venueId, Instant terminalTime, long cardCounter, string cryptogram) =>
        Canonical.Of("AuthorizeTap").Add(terminalId).Add(sequence).Add(cardUid).Add(venueId).Add(terminalTime).Add(cardCounter).Add(cryptogram).ToArray();

    /// <summary>"TerminalHeartbeat", terminalId, softwareVersion, denyListVersion, pendingOfflineTaps, terminalTime.</summary>
    public static byte[] ForHeartbeat(string? terminalId, string? softwareVersion, long denyListVersion, int pendingOfflineTaps, Instant terminalTime) =>
        Canonical.Of("TerminalHeartbeat").Add(terminalId).Add(softwareVersion).Add(denyListVersion).Add(pendingOfflineTaps).Add(terminalTime).ToArray();

    /// <summary>
    /// A terminal's HTTP call: "HttpRequest", method, path and query as sent, terminalId, the time of the call, and the
    /// SHA-256 of the body (lower-case hex; of nothing for a GET).
    /// </summary>
    public static byte[] ForHttpRequest(string method, string pathAndQuery, string terminalId, long unixMilliseconds, byte[] body) =>
        Canonical.Of("HttpRequest").Add(method.ToUpperInvariant()).Add(pathAndQuery).Add(terminalId).Add(unixMilliseconds)
            .Add(Convert.ToHexStringLower(SHA256.HashData(body))).ToArray();
}
