using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Tests.Schemes;

public class SchemeTimeTests
{
    private static readonly SchemeTime Rennes = new(TestScheme.Paris, new LocalTime(4, 0));

    [Fact]
    public void A_tap_before_the_cut_off_belongs_to_the_previous_service_day()
    {
        // Saturday 28 November 2026, 01:30 in Paris (00:30 UTC): still Friday's service day.
        Assert.Equal(new LocalDate(2026, 11, 27), Rennes.ServiceDate(TestScheme.InParis(2026, 11, 28, 1, 30)));
        Assert.Equal(new LocalDate(2026, 11, 28), Rennes.CalendarDate(TestScheme.InParis(2026, 11, 28, 1, 30)));
        Assert.Equal(new LocalDate(2026, 11, 28), Rennes.ServiceDate(TestScheme.InParis(2026, 11, 28, 4, 0)));
    }

    [Fact]
    public void On_the_spring_change_the_service_day_has_23_hours()
    {
        // 28 March 2027: 02:00 becomes 03:00 in Paris. Service day from 04:00 CET on the 27th... to 04:00 CEST on the 28th.
        var start = Rennes.At(new LocalDateTime(2027, 3, 27, 4, 0));
        var end = Rennes.At(new LocalDateTime(2027, 3, 28, 4, 0));
        Assert.Equal(Duration.FromHours(23), end - start);
        Assert.Equal(new LocalDate(2027, 3, 27), Rennes.ServiceDate(end - Duration.FromTicks(1)));
        Assert.Equal(new LocalDate(2027, 3, 28), Rennes.ServiceDate(end));
    }

    [Fact]
    public void On_the_autumn_change_the_service_day_has_25_hours()
    {
        var start = Rennes.At(new LocalDateTime(2027, 10, 30, 4, 0));
        var end = Rennes.At(new LocalDateTime(2027, 10, 31, 4, 0));
        Assert.Equal(Duration.FromHours(25), end - start);
    }

    [Fact]
    public void A_local_time_in_the_spring_gap_is_moved_forward()
    {
        // 02:30 does not exist on 28 March 2027 in Paris; a show "starting" then starts at 03:30 CEST (01:30 UTC).
        Assert.Equal(Instant.FromUtc(2027, 3, 28, 1, 30), Rennes.At(new LocalDateTime(2027, 3, 28, 2, 30)));
    }

    [Theory]
    [InlineData(23, 16, 59, false)] // Monday 23 November 2026
    [InlineData(23, 17, 0, true)]
    [InlineData(23, 19, 59, true)]
    [InlineData(23, 20, 0, false)]
    [InlineData(28, 18, 0, false)]  // Saturday
    public void A_weekday_evening_band(int day, int hour, int minute, bool inside)
    {
        var band = new WeeklyHours(TestScheme.Weekdays, new LocalTime(17, 0), new LocalTime(20, 0));
        Assert.Equal(inside, band.Contains(new LocalDateTime(2026, 11, day, hour, minute)));
    }

    [Fact]
    public void A_band_past_midnight_belongs_to_the_day_it_starts()
    {
        var fridayNight = new WeeklyHours([IsoDayOfWeek.Friday], new LocalTime(20, 0), new LocalTime(2, 0));
        Assert.True(fridayNight.Contains(new LocalDateTime(2026, 11, 27, 23, 0)));  // Friday 23:00
        Assert.True(fridayNight.Contains(new LocalDateTime(2026, 11, 28, 1, 59)));  // Saturday 01:59
        Assert.False(fridayNight.Contains(new LocalDateTime(2026, 11, 28, 2, 0)));  // Saturday 02:00
        Assert.False(fridayNight.Contains(new LocalDateTime(2026, 11, 28, 23, 0))); // Saturday 23:00
    }
}
