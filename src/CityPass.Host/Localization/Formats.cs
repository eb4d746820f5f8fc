using System.Globalization;
using NodaTime.Text;

namespace CityPass.Host.Localization;

/// <summary>
/// Amounts and moments as a person reads them, on the server's pages (and e-mails): "1 234,50 €" and
/// "30 novembre 2026, 18:03" in French, "€1,234.50" and "30 November 2026, 18:03" in English, always Paris time.
/// The static pages format the same way in the browser (<c>/i18n/i18n.js</c>: money(), longDateTime()).
/// </summary>
public static class Formats
{
    public static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];

    public static string Money(long cents, CultureInfo culture) =>
        (cents / 100m).ToString("C2", Currency(culture));

    public static string DateTime(Instant instant, CultureInfo culture) =>
        LocalDateTimePattern.Create("d MMMM yyyy, HH:mm", culture).Format(instant.InZone(Paris).LocalDateTime);

    private static NumberFormatInfo Currency(CultureInfo culture)
    {
        var format = (NumberFormatInfo)(culture.TwoLetterISOLanguageName == "en" ? CultureInfo.GetCultureInfo("en-GB") : CultureInfo.GetCultureInfo("fr-FR")).NumberFormat.Clone();
        format.CurrencySymbol = "€";
        return format;
    }
}
