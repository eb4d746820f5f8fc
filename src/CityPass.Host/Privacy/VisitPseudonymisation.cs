using CityPass.Host.Cards;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Privacy;

/// <summary>
/// Visits stay identifiable (which terminal, at what moment) for <c>Privacy:IdentifiableVisitHours</c>; past it, a visit's
/// statement line shows only what the holder is entitled to for their statement: venue, product, fare, balance and the
/// day. The statement is read from the card's events (<see cref="CardStatement"/>), so the rule applies as it is read,
/// to the minute, for the holder, the desk and the export alike; "now" is the scheme's clock. Nothing is rewritten.
/// </summary>
public sealed class VisitPseudonymisation(IClock clock, IOptions<PrivacyOptions> options)
{
    private static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];

    /// <summary>The lines as shown now: visits older than the identifiable period pseudonymised, the others as they are.</summary>
    public Func<CardHistoryLine, CardHistoryLine> AsOfNow()
    {
        var cutoff = clock.GetCurrentInstant() - Duration.FromHours(options.Value.IdentifiableVisitHours);
        return line => IsVisit(line) && line.At < cutoff ? Pseudonymise(line) : line;
    }

    /// <summary>
    /// A line that says where the card was and when: a fare, an entry, and an offline fare the balance did not cover
    /// (<c>owed</c>: it names the terminal too; before 2026-12-01 it stayed identifiable, the stored pass skipped it).
    /// </summary>
    public static bool IsVisit(CardHistoryLine line) => line.Kind is "charged" or "entry" or "owed";

    public static CardHistoryLine Pseudonymise(CardHistoryLine line)
    {
        var day = line.At.InZone(Paris).Date;
        return line with
        {
            TerminalId = null,
            At = day.AtStartOfDayInZone(Paris).ToInstant(),
            Detail = line.Kind == "charged" ? $"visit on {day:yyyy-MM-dd}" : line.Detail,
            Pseudonymised = true,
        };
    }
}
