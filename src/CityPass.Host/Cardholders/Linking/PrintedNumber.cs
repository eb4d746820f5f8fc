using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CityPass.Host.Terminals;

namespace CityPass.Host.Cardholders.Linking;

/// <summary>
/// The 12-digit number printed on the back of a card at personalisation. Reading the chip gives the UID, not this
/// number, so holding the card (not just being near it) is what lets someone claim it. Derived from the card's
/// diversified key: nothing to store, nothing to leak from the database.
/// </summary>
public sealed class PrintedNumber(KeyRing keys)
{
    /// <summary>The number to print on a card personalised today (with the current master key).</summary>
    public string For(string canonicalUid) => From(keys.CardKey(canonicalUid));

    private static string From(byte[] cardKey)
    {
        var mac = HMACSHA256.HashData(cardKey, Encoding.ASCII.GetBytes("citypass-printed-number-v1"));
        var n = BinaryPrimitives.ReadUInt64BigEndian(mac) % 1_000_000_000_000UL;
        var digits = n.ToString("D12", CultureInfo.InvariantCulture);
        return $"{digits[..4]} {digits[4..8]} {digits[8..]}";
    }

    /// <summary>The 12 digits of a printed number, whatever the spaces or dashes typed; null when it is not 12 digits.</summary>
    public static string? Digits(string? printed)
    {
        var digits = new string((printed ?? "").Where(char.IsAsciiDigit).ToArray());
        return digits.Length == 12 && (printed ?? "").All(c => char.IsAsciiDigit(c) || c is ' ' or '-' or '.') ? digits : null;
    }

    /// <summary>The id of a printed number's <see cref="PrintedNumberEntry"/>: a hash keyed by the card master key, so not reversible from the database.</summary>
    public string LookupId(string printed) => LookupIdWith(keys.CardKey(LookupKeyName), printed);

    /// <summary>Every id a printed number may be filed under: the current master key's, and the previous one's after a rotation.</summary>
    public IEnumerable<string> LookupIds(string printed) => keys.PrintedNumberKeys(LookupKeyName).Select(key => LookupIdWith(key, printed));

    private static string LookupIdWith(byte[] key, string printed)
    {
        var digits = new string(printed.Where(char.IsAsciiDigit).ToArray());
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(digits)).AsSpan(0, 16));
    }

    private const string LookupKeyName = "citypass-printed-number-lookup-v1";

    /// <summary>Whether <paramref name="printed"/> is the card's number, printed under the current or the previous master key.</summary>
    public bool Matches(string canonicalUid, string? printed)
    {
        var given = Encoding.ASCII.GetBytes(new string((printed ?? "").Where(char.IsAsciiDigit).ToArray()));
        var matched = false;
        foreach (var key in keys.PrintedNumberKeys(canonicalUid))
            matched |= CryptographicOperations.FixedTimeEquals(given, Encoding.ASCII.GetBytes(From(key).Replace(" ", "", StringComparison.Ordinal)));
        return matched;
    }
}
