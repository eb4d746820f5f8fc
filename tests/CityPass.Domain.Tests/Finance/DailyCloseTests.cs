using CityPass.Domain.Cards;
using CityPass.Domain.Finance;
using NodaTime;

namespace CityPass.Domain.Tests.Finance;

public class DailyCloseTests
{
    [Theory]
    [InlineData(4, 2027, 3, 27, 23)] // with a 04:00 cut-off the spring change (02:00 -> 03:00 on the 28th) falls in Saturday's business day
    [InlineData(4, 2027, 3, 28, 24)]
    [InlineData(4, 2027, 10, 30, 25)]
    [InlineData(0, 2027, 3, 28, 23)] // with a midnight cut-off the business day is the calendar day
    [InlineData(0, 2027, 10, 31, 25)]
    [InlineData(0, 2027, 10, 30, 24)]
    public void Business_days_last_23_24_or_25_hours(int cutoff, int year, int month, int day, long hours)
    {
        var time = FinanceScheme.Build(new LocalTime(cutoff, 0)).Time;
        var (from, to) = DailyClose.Bounds(time, new LocalDate(year, month, day));
        Assert.Equal(hours, (to - from).TotalHours);
        Assert.Equal(new LocalDate(year, month, day), time.ServiceDate(from));
        Assert.Equal(new LocalDate(year, month, day), time.ServiceDate(to - Duration.FromSeconds(1)));
    }

    [Fact]
    public void A_late_tap_never_changes_its_closed_day_and_is_reported_once_as_an_adjustment_of_the_next_close()
    {
        var scheme = FinanceScheme.Build();
        var card = Guid.NewGuid();
        var (wednesday, thursday) = (new LocalDate(2026, 11, 25), new LocalDate(2026, 11, 26));
        var entries = new List<LedgerEntry>
        {
            PostingRules.Post(new ValueLoaded(card, Money.FromCents(20_00), LoadSource.Stripe, "pi_1", Money.FromCents(20_00), Instant.FromUtc(2026, 11, 25, 9, 0)), 1, scheme)!,
            PostingRules.Post(Fare(card, "pool", 3_50, wednesday), 2, scheme)!,
        };
        var closedWednesday = DailyClose.Close(wednesday, 2, 0, 0, entries, scheme.Time);
        entries.Add(PostingRules.Post(Fare(card, "parking", 2_50, wednesday), 3, scheme)!); // uploaded on Thursday
        entries.Add(PostingRules.Post(Fare(card, "pool", 3_50, thursday), 4, scheme)!);

        var again = DailyClose.Close(wednesday, 2, 0, 0, entries, scheme.Time);
        Assert.Equal((closedWednesday.Entries, closedWednesday.Scheme.ClosingFloatCents), (again.Entries, again.Scheme.ClosingFloatCents));
        Assert.Equal(16_50, closedWednesday.Scheme.ClosingFloatCents);

        var closedThursday = DailyClose.Close(thursday, 4, 2, closedWednesday.Scheme.ClosingFloatCents, entries, scheme.Time);
        var adjustment = Assert.Single(closedThursday.Adjustments);
        Assert.Equal((3L, wednesday, -2_50L), (adjustment.Sequence, adjustment.OriginalDay, adjustment.StoredValueCents));
        Assert.Contains(closedThursday.Operators, l => l.OperatorId == "parkco" && l.AdjustmentOf == wednesday && l.AmountCents == 2_50);
        Assert.Contains(closedThursday.Operators, l => l.OperatorId == "city" && l.AdjustmentOf is null && l.AmountCents == 3_50);
        Assert.Equal(10_50, closedThursday.Scheme.ClosingFloatCents);
    }

    [Fact]
    public void Closing_several_days_in_one_pass_over_shuffled_entries_gives_the_statements_of_closing_them_one_by_one()
    {
        var scheme = FinanceScheme.Build();
        var card = Guid.NewGuid();
        var monday = new LocalDate(2026, 11, 23);
        var entries = new List<LedgerEntry>();
        var venues = new[] { "pool", "parking", "museum" };
        var sequence = 0L;
        LedgerEntry Next(object e) => PostingRules.Post(e, ++sequence, scheme)!;
        entries.Add(Next(new ValueLoaded(card, Money.FromCents(500_00), LoadSource.Stripe, "pi_1", Money.FromCents(500_00), Instant.FromUtc(2026, 11, 21, 9, 0))));
        for (var i = 0; i < 60; i++)
            entries.Add(Next(Fare(card, venues[i % 3], 1_00 + i, monday.PlusDays(i % 5 - 1)))); // Sunday (before the close) to Thursday (after it)
        var previousUpTo = 20L; // the Sunday close saw the first 20; later Sunday fares are adjustments of Monday
        entries.Add(Next(new ValueLoaded(card, Money.FromCents(10_00), LoadSource.Sandbox, "sb_1", Money.FromCents(10_00), Instant.FromUtc(2026, 11, 24, 9, 0))));
        var upTo = sequence;
        entries.Add(Next(Fare(card, "pool", 9_99, monday))); // posted after the close read its high-water mark
        var (first, last) = (monday, monday.PlusDays(2)); // Monday to Wednesday

        var oneByOne = new List<DayStatement>();
        var (before, opening) = (previousUpTo, 1_000L);
        for (var d = first; d <= last; d = d.PlusDays(1))
        {
            oneByOne.Add(DailyClose.Close(d, upTo, before, opening, entries, scheme.Time));
            (before, opening) = (upTo, oneByOne[^1].Scheme.ClosingFloatCents);
        }
        var close = new DaysClose(first, last, upTo, previousUpTo);
        foreach (var e in entries.OrderBy(_ => Random.Shared.Next()))
            close.Add(e);
        var together = close.Statements(1_000L, scheme.Time);

        Assert.Equal(3, together.Count);
        Assert.NotEmpty(together[0].Adjustments);
        Assert.All(together.Skip(1), s => Assert.Empty(s.Adjustments));
        for (var i = 0; i < 3; i++)
        {
            var (a, b) = (oneByOne[i], together[i]);
            Assert.Equal((a.Day, a.From, a.To, a.Hours, a.UpToSequence, a.Entries), (b.Day, b.From, b.To, b.Hours, b.UpToSequence, b.Entries));
            Assert.Equal(a.Operators, b.Operators);
            Assert.Equal(a.Adjustments, b.Adjustments);
            Assert.Equal(a.Scheme with { LoadsBySource = b.Scheme.LoadsBySource }, b.Scheme);
            Assert.Equal(a.Scheme.LoadsBySource, b.Scheme.LoadsBySource);
        }
        // Every entry up to the mark, from Monday's adjustments to Wednesday, reported once; Thursday's and the late one wait.
        Assert.Equal(entries.Count(e => e.Id <= upTo && e.BusinessDay <= last && (e.BusinessDay >= first || e.Id > previousUpTo)), together.Sum(s => s.Entries));
    }

    public static FareCharged Fare(Guid card, string venue, long cents, LocalDate serviceDate) =>
        new(card, venue, "t", 1, Money.FromCents(cents), Money.Zero, serviceDate, PostingRulesTests.Price(cents),
            Instant.FromUtc(2026, 11, 25, 18, 0), Instant.FromUtc(2026, 11, 26, 9, 0));
}

public class SettlementTests
{
    [Theory]
    [InlineData(4_50, 1000, 45)]
    [InlineData(1_05, 250, 3)] // 2.625 cents: half away from zero
    [InlineData(1_01, 250, 3)] // 2.525
    [InlineData(99, 250, 2)] // 2.475
    [InlineData(0, 1000, 0)]
    public void Commission_is_basis_points_of_the_period_total_rounded_half_away_from_zero(long gross, int bp, long commission) =>
        Assert.Equal(commission, Settlement.Commission(gross, bp));

    [Fact]
    public void A_settlement_adds_the_operators_lines_of_the_closed_days_and_deducts_the_commission()
    {
        var scheme = FinanceScheme.Build();
        var card = Guid.NewGuid();
        var day = new LocalDate(2026, 11, 25);
        var entries = new[] { 3_50L, 3_50, 2_50 }.Select((c, i) => PostingRules.Post(DailyCloseTests.Fare(card, i < 2 ? "pool" : "parking", c, day), i + 1, scheme)!).ToList();
        var statement = DailyClose.Close(day, 3, 0, 0, entries, scheme.Time);
        var city = Settlement.Settle("city", day, day, [statement], 500);
        Assert.Equal((7_00L, 35L, 6_65L, 2), (city.GrossCents, city.CommissionCents, city.PayableCents, city.Visits));
        Assert.Equal(2_50, Settlement.Settle("parkco", day, day, [statement], 0).PayableCents);
    }
}
