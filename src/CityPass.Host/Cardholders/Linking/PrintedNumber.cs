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
    public string For(string canonicalUid)
    {
        var mac = HMACSHA256.HashData(keys.CardKey(canonicalUid), Encoding.ASCII.GetBytes("citypass-printed-number-v1"));
        var n = BinaryPrimitives.ReadUInt64BigEndian(mac) % 1_000_000_000_000UL;
        var digits = n.ToString("D12", CultureInfo.InvariantCulture);
        return $"{digits[..4]} {digits[4..8]} {digits[8..]}";
    }

    public bool Matches(string canonicalUid, string? printed)
    {
        var given = new string((printed ?? "").Where(char.IsAsciiDigit).ToArray());
        var expected = For(canonicalUid).Replace(" ", "", StringComparison.Ordinal);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), Encoding.ASCII.GetBytes(expected));
    }
}
