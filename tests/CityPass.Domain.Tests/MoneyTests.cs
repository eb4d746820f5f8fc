using CityPass.Domain;

namespace CityPass.Domain.Tests;

public class MoneyTests
{
    private static readonly MoneyLimits Limits = new(Money.FromCents(100_00), Money.FromCents(50_00), Money.FromCents(150_00));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-150)]
    [InlineData(100_01)]
    [InlineData(long.MaxValue)]
    public void A_load_that_is_zero_negative_or_over_the_ceiling_is_refused(long cents) =>
        Assert.NotNull(Limits.CheckLoad(Money.FromCents(cents)));

    [Theory]
    [InlineData(1)]
    [InlineData(20_00)]
    [InlineData(100_00)]
    public void A_load_within_the_ceiling_is_accepted(long cents) =>
        Assert.Null(Limits.CheckLoad(Money.FromCents(cents)));

    [Fact]
    public void Arithmetic_overflow_throws_instead_of_wrapping()
    {
        var huge = Money.FromCents(long.MaxValue);
        Assert.Throws<OverflowException>(() => huge + Money.FromCents(1));
        Assert.Throws<OverflowException>(() => Money.FromCents(long.MinValue) - Money.FromCents(1));
    }

    [Theory]
    [InlineData(350, "3.50 EUR")]
    [InlineData(5, "0.05 EUR")]
    [InlineData(-1205, "-12.05 EUR")]
    [InlineData(0, "0.00 EUR")]
    public void Shows_euros_and_cents(long cents, string expected) =>
        Assert.Equal(expected, Money.FromCents(cents).ToString());

    [Fact]
    public void Serializes_as_a_bare_number_of_cents()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(Money.FromCents(1234));
        Assert.Equal("1234", json);
        Assert.Equal(Money.FromCents(1234), System.Text.Json.JsonSerializer.Deserialize<Money>(json));
    }
}
