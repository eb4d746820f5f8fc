using NodaTime;

namespace CityPass.Domain.Schemes;

/// <summary>
/// The scheme's local time: Europe/Paris, with a service-day cut-off. A tap at 01:30 on Saturday belongs to Friday's
/// service day when the cut-off is 04:00. Validity of passes and concessions uses the calendar date (they end at local
/// midnight); daily caps and business days use the service date.
/// </summary>
public sealed record SchemeTime(DateTimeZone Zone, LocalTime ServiceDayCutoff)
{
    public LocalDateTime Local(Instant at) => at.InZone(Zone).LocalDateTime;

    public LocalDate CalendarDate(Instant at) => at.InZone(Zone).Date;

    public LocalDate ServiceDate(Instant at)
    {
        var local = Local(at);
        return local.TimeOfDay < ServiceDayCutoff ? local.Date.PlusDays(-1) : local.Date;
    }

    /// <summary>The instant a local date-time names; in the spring gap it is moved forward, in the autumn overlap the earlier one.</summary>
    public Instant At(LocalDateTime local) => local.InZoneLeniently(Zone).ToInstant();
}

/// <summary>
/// A weekly time band in local time: days of the week and a time range. <c>To</c> at or before <c>From</c> runs past
/// midnight (a band from 20:00 to 02:00 belongs to the day it starts); <c>From == To</c> is the whole day.
/// </summary>
public sealed record WeeklyHours(IReadOnlyList<IsoDayOfWeek> Days, LocalTime From, LocalTime To)
{
    public bool Contains(LocalDateTime at)
    {
        var time = at.TimeOfDay;
        if (From == To)
            return Days.Contains(at.DayOfWeek);
        if (From < To)
            return Days.Contains(at.DayOfWeek) && time >= From && time < To;
        return (Days.Contains(at.DayOfWeek) && time >= From) || (Days.Contains(at.Date.PlusDays(-1).DayOfWeek) && time < To);
    }

    public override string ToString() => $"{string.Join(",", Days)} {From:HH:mm}-{To:HH:mm}";
}
