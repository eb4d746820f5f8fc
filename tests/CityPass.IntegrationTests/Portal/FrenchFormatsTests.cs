using CityPass.Host.Localization;
using NodaTime;

namespace CityPass.IntegrationTests.Portal;

/// <summary>Amounts and moments as residents read them on the server's pages: French first, Paris time. No host.</summary>
public class FrenchFormatsTests
{
    /// <summary>Non-breaking spaces (the French thousands and currency separators) as plain spaces.</summary>
    private static string Plain(string text) => text.Replace('\u202f', ' ').Replace('\u00a0', ' ');

    [Theory]
    [InlineData(123_450, "1 234,50 €")]
    [InlineData(20_00, "20,00 €")]
    [InlineData(5, "0,05 €")]
    [InlineData(-1_50, "-1,50 €")]
    [InlineData(100_000_00, "100 000,00 €")]
    public void Money_reads_the_French_way(long cents, string expected) =>
        Assert.Equal(expected, Plain(Formats.Amount(cents, LocalizationSetup.French)));

    [Fact]
    public void Money_in_English_puts_the_euro_first() =>
        Assert.Equal("€1,234.50", Formats.Amount(123_450, LocalizationSetup.English));

    [Theory]
    [InlineData(2026, 11, 30, 17, 3, "30 novembre 2026, 18:03")] // winter: UTC+1
    [InlineData(2026, 7, 14, 20, 0, "14 juillet 2026, 22:00")] // summer: UTC+2
    [InlineData(2026, 12, 31, 23, 30, "1 janvier 2027, 00:30")] // the next day in Paris
    public void Moments_read_as_Paris_time_with_the_month_in_words(int y, int m, int d, int h, int min, string expected) =>
        Assert.Equal(expected, Formats.Time(Instant.FromUtc(y, m, d, h, min), LocalizationSetup.French));

    [Fact]
    public void Moments_in_English() =>
        Assert.Equal("30 November 2026, 18:03", Formats.Time(Instant.FromUtc(2026, 11, 30, 17, 3), LocalizationSetup.English));

    [Theory]
    [InlineData(null, null, "fr")]
    [InlineData(null, "en-GB,en;q=0.9", "en")]
    [InlineData(null, "de-DE,en;q=0.5,fr;q=0.8", "fr")]
    [InlineData(null, "de-DE", "fr")]
    [InlineData("en", "fr-FR", "en")]
    public void A_server_page_speaks_its_lang_else_the_browser_s_language_else_French(string? lang, string? acceptLanguage, string expected)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        if (acceptLanguage is not null)
            http.Request.Headers.AcceptLanguage = acceptLanguage;
        Assert.Equal(expected, LocalizationSetup.CultureOf(http.Request, lang).TwoLetterISOLanguageName);
    }
}
