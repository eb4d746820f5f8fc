using System.Globalization;

namespace CityPass.Host.Localization;

/// <summary>
/// Amounts and times as a person reads them in the server's texts (e-mails), the same as the pages' <c>/i18n/i18n.js</c>:
/// <c>1 234,50 €</c> and <c>30 novembre 2026, 18:03</c> (Europe/Paris) in French, <c>€1,234.50</c> and
/// <c>30 November 2026, 18:03</c> in English. Spaces inside an amount do not break: a narrow no-break space between
/// thousands, a no-break space before the euro sign.
/// </summary>
public static class Formats
{
    public static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];

    private static readonly NumberFormatInfo FrenchNumbers = new()
    {
        NumberDecimalSeparator = ",", NumberGroupSeparator = "\u202F", NegativeSign = "-",
    };

    public static string Amount(long cents, CultureInfo culture)
    {
        var euros = cents / 100m;
        if (IsFrench(culture))
            return euros.ToString("N2", FrenchNumbers) + "\u00A0€";
        var text = Math.Abs(euros).ToString("N2", CultureInfo.InvariantCulture);
        return (cents < 0 ? "-€" : "€") + text;
    }

    public static string Amount(Money amount, CultureInfo culture) => Amount(amount.Cents, culture);

    /// <summary>The Paris wall-clock time of an instant: day, month in words, year, then hours and minutes.</summary>
    public static string Time(Instant instant, CultureInfo culture) =>
        instant.InZone(Paris).ToString("d MMMM yyyy, HH:mm", IsFrench(culture) ? LocalizationSetup.French : LocalizationSetup.English);

    private static bool IsFrench(CultureInfo culture) => culture.TwoLetterISOLanguageName == "fr";
}
