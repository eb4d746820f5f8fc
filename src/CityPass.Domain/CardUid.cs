using System.Diagnostics.CodeAnalysis;

namespace CityPass.Domain;

/// <summary>
/// A card's UID as RFID readers report it: 4, 7 or 10 bytes (ISO/IEC 14443), written as hexadecimal.
/// Readers differ in case and separators ("04:a2:2b:1c", "04A22B1C"); the canonical form is upper-case
/// hex without separators, so that one card has one UID whatever reader saw it.
/// </summary>
public readonly record struct CardUid
{
    private CardUid(string value) => Value = value;

    public string Value { get; }

    public static bool TryParse(string? raw, [NotNullWhen(true)] out CardUid? uid, [NotNullWhen(false)] out string? error)
    {
        uid = null;
        if (string.IsNullOrWhiteSpace(raw))
        {
            error = "The card UID is missing.";
            return false;
        }
        var hex = new string(raw.Where(c => c is not (':' or '-' or ' ')).ToArray()).ToUpperInvariant();
        if (!hex.All(Uri.IsHexDigit))
        {
            error = $"The card UID '{raw}' is not hexadecimal.";
            return false;
        }
        if (hex.Length is not (8 or 14 or 20))
        {
            error = $"The card UID '{raw}' has {hex.Length / 2.0} bytes; RFID UIDs have 4, 7 or 10.";
            return false;
        }
        uid = new CardUid(hex);
        error = null;
        return true;
    }

    public override string ToString() => Value;
}
