using CityPass.Domain.Schemes;

namespace CityPass.Domain.Tests.Schemes;

public class RoundingTests
{
    // 85 % off 1.50 EUR is 0.225 EUR: the rule decides the half cent.
    [Theory]
    [InlineData(RoundingMode.HalfUp, 23)]
    [InlineData(RoundingMode.HalfEven, 22)]
    [InlineData(RoundingMode.Down, 22)]
    [InlineData(RoundingMode.Up, 23)]
    public void Eighty_five_percent_off_1_50_is_rounded_by_the_declared_rule(RoundingMode mode, long expectedCents) =>
        Assert.Equal(Money.FromCents(expectedCents), new RoundingRule(mode).Reduce(Money.FromCents(1_50), 85));

    [Theory]
    [InlineData(3_50, 50, 1, 1_75)]  // exact: no rounding needed
    [InlineData(3_50, 50, 10, 1_80)] // 1.75 to 10 cents, half up
    [InlineData(3_50, 100, 1, 0)]    // Sortir 100 %: free
    [InlineData(3_50, 0, 1, 3_50)]   // no reduction
    [InlineData(1_45, 50, 1, 73)]    // 0.725 half up
    [InlineData(1_55, 50, 1, 78)]    // 0.775 half up
    public void Half_up_to_an_increment(long price, int reduction, int increment, long expected) =>
        Assert.Equal(Money.FromCents(expected), new RoundingRule(RoundingMode.HalfUp, increment).Reduce(Money.FromCents(price), reduction));

    [Theory]
    [InlineData(1_45, 72)] // 0.725: 72 is the even neighbour
    [InlineData(1_55, 78)] // 0.775: 78 is the even neighbour
    public void Half_even_goes_to_the_even_cent(long price, long expected) =>
        Assert.Equal(Money.FromCents(expected), new RoundingRule(RoundingMode.HalfEven).Reduce(Money.FromCents(price), 50));

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void A_reduction_outside_0_to_100_percent_is_a_bug(int reduction) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RoundingRule.HalfUpToTheCent.Reduce(Money.FromCents(1_00), reduction));

    [Fact]
    public void The_rule_describes_itself_for_the_charge_record()
    {
        Assert.Equal("HalfUp to the cent", RoundingRule.HalfUpToTheCent.ToString());
        Assert.Equal("Down to 10 cents", new RoundingRule(RoundingMode.Down, 10).ToString());
    }
}
