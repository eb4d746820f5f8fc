using CityPass.Host.Localization;
using NodaTime;

namespace CityPass.IntegrationTests.Localization;

/// <summary>Amounts and times in the server's texts (mails): French as a French reader writes them, Paris time.</summary>
public class FormatsTests
{
    [Theory]
    [InlineData(123450, "1\u202F234,50\u00A0€")]
    [InlineData(6400, "64,00\u00A0€")]
    [InlineData(0, "0,00\u00A0€")]
    [InlineData(-250, "-2,50\u00A0€")]
    [InlineData(123456789, "1\u202F234\u202F567,89\u00A0€")]
    public void Amounts_in_French_group_thousands_with_a_narrow_space_and_keep_the_euro_sign_on_the_line(long cents, string expected) =>
        Assert.Equal(expected, Formats.Amount(cents, LocalizationSetup.French));

    [Theory]
    [InlineData(123450, "€1,234.50")]
    [InlineData(-250, "-€2.50")]
    public void Amounts_in_English(long cents, string expected) =>
        Assert.Equal(expected, Formats.Amount(cents, LocalizationSetup.English));

    [Fact]
    public void Times_are_Paris_wall_clock_times_with_the_month_in_words()
    {
        Assert.Equal("30 novembre 2026, 18:03", Formats.Time(Instant.FromUtc(2026, 11, 30, 17, 3), LocalizationSetup.French));
        Assert.Equal("30 November 2026, 18:03", Formats.Time(Instant.FromUtc(2026, 11, 30, 17, 3), LocalizationSetup.English));
        // Summer time: UTC+2.
        Assert.Equal("1 juillet 2026, 00:30", Formats.Time(Instant.FromUtc(2026, 6, 30, 22, 30), LocalizationSetup.French));
    }
}
