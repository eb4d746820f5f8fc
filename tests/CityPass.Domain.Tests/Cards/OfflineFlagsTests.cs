using CityPass.Domain.Cards;

namespace CityPass.Domain.Tests.Cards;

/// <summary>The codes are what terminals receive and tap records store (see docs/terminal-protocol.md): they must not change.</summary>
public class OfflineFlagsTests
{
    [Theory]
    [InlineData(OfflineFlag.None, null)]
    [InlineData(OfflineFlag.CardWasDenied, "card-was-denied")]
    [InlineData(OfflineFlag.Overdraft, "overdraft")]
    [InlineData(OfflineFlag.UnknownCard, "unknown-card")]
    [InlineData(OfflineFlag.CardNotAuthentic, "card-not-authentic")]
    [InlineData(OfflineFlag.CardReplayed, "card-replayed")]
    [InlineData(OfflineFlag.ClockSkew, "clock-skew")]
    [InlineData(OfflineFlag.CardReplayed | OfflineFlag.ClockSkew, "card-replayed,clock-skew")]
    [InlineData(OfflineFlag.Overdraft | OfflineFlag.ClockSkew, "overdraft,clock-skew")]
    public void Each_flag_is_written_as_its_code_and_clock_skew_comes_last(OfflineFlag flags, string? code) =>
        Assert.Equal(code, new OfflineFlags(flags).Code);

    [Fact]
    public void Not_honourable_carries_the_reason_an_online_tap_would_have_been_declined_for()
    {
        Assert.Equal("not-honourable:UnknownVenue", OfflineFlags.NotHonourable(DeclineReason.UnknownVenue).Code);
        Assert.Equal("not-honourable:VenueClosed,clock-skew", OfflineFlags.NotHonourable(DeclineReason.VenueClosed).With(OfflineFlag.ClockSkew).Code);
    }

    [Fact]
    public void Every_flag_has_a_code() =>
        Assert.All(Enum.GetValues<OfflineFlag>().Where(f => f != OfflineFlag.None),
            f => Assert.DoesNotContain(",", new OfflineFlags(f, DeclineReason.NoValidRight).Code!));
}
