using CityPass.Domain;

namespace CityPass.Domain.Tests;

public class CardUidTests
{
    [Theory]
    [InlineData("04a22b1c5d6e80", "04A22B1C5D6E80")]     // 7-byte NXP UID, lower case
    [InlineData("04:A2:2B:1C:5D:6E:80", "04A22B1C5D6E80")] // with the separators some readers print
    [InlineData("de ad be ef", "DEADBEEF")]              // 4 bytes, spaced
    [InlineData("0102030405060708090A", "0102030405060708090A")] // 10 bytes
    public void Readers_formats_map_to_one_canonical_uid(string raw, string canonical)
    {
        Assert.True(CardUid.TryParse(raw, out var uid, out var error), error);
        Assert.Equal(canonical, uid!.Value.Value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("GHIJKLMN")]      // not hex
    [InlineData("04A22B")]        // 3 bytes
    [InlineData("04A22B1C5D")]    // 5 bytes
    [InlineData("04A22B1C5D6E8")] // odd number of digits
    public void Anything_else_is_refused_with_a_reason(string? raw)
    {
        Assert.False(CardUid.TryParse(raw, out var uid, out var error));
        Assert.Null(uid);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
