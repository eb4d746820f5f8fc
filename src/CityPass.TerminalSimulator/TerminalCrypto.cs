using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CityPass.TerminalSimulator;

/// <summary>
/// The cryptography of docs/terminal-protocol.md, written from the document alone (a vendor's view), so that the
/// tests show the document is enough: CityPass verifies what this produces.
/// </summary>
public static class TerminalCrypto
{
    /// <summary>HMAC-SHA256 with the terminal's key over the tap's canonical line, upper-case hex.</summary>
    public static string SignTap(byte[] terminalKey, string terminalId, long sequence, string cardUid, string venueId,
        DateTimeOffset terminalTime, long cardCounter, string cryptogram)
    {
        var line = string.Join('|', "AuthorizeTap", terminalId, sequence.ToString(CultureInfo.InvariantCulture), cardUid, venueId,
            terminalTime.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), cardCounter.ToString(CultureInfo.InvariantCulture), cryptogram);
        return Convert.ToHexString(HMACSHA256.HashData(terminalKey, Encoding.UTF8.GetBytes(line)));
    }

    public static string SignHeartbeat(byte[] terminalKey, string terminalId, string softwareVersion, long denyListVersion, int pending, DateTimeOffset at) =>
        Convert.ToHexString(HMACSHA256.HashData(terminalKey, Encoding.UTF8.GetBytes(string.Join('|', "TerminalHeartbeat", terminalId, softwareVersion,
            denyListVersion.ToString(CultureInfo.InvariantCulture), pending.ToString(CultureInfo.InvariantCulture),
            at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)))));
}

/// <summary>
/// What a card's chip does in a tap, for the simulator and tests: it holds its diversified key (received at
/// personalisation: POST /cards/personalisation) and a transaction counter, and answers the cryptogram.
/// </summary>
public sealed class CardChip(byte[] cardKey, string canonicalUid, long counter = 0)
{
    private readonly byte[] _key = cardKey;
    private long _counter = counter;

    public string Uid => canonicalUid;

    /// <summary>Increments the counter and returns it with the cryptogram for this tap.</summary>
    public (long Counter, string Cryptogram) Authenticate(string terminalId, long sequence)
    {
        var counter = Interlocked.Increment(ref _counter);
        var message = string.Join('|', canonicalUid, counter.ToString(CultureInfo.InvariantCulture), terminalId, sequence.ToString(CultureInfo.InvariantCulture));
        return (counter, Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(message)).AsSpan(0, 8)));
    }
}

/// <summary>The terminal's own clock (a device's clock, not CityPass's): replace <see cref="Provider"/> to test at another time.</summary>
public static class TerminalClock
{
    public static TimeProvider Provider { get; set; } = TimeProvider.System;

    public static DateTimeOffset Now => Provider.GetUtcNow();
}
