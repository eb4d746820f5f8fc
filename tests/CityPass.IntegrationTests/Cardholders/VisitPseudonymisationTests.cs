using CityPass.Host.Cards;
using CityPass.Host.Privacy;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Testing;

namespace CityPass.IntegrationTests.Cardholders;

/// <summary>The rule the statement is read through (docs/privacy.md): which lines are visits, and the 48 h boundary. No host.</summary>
public class VisitPseudonymisationTests
{
    private static readonly Instant Tapped = Instant.FromUtc(2026, 11, 30, 17, 3, 41); // 18:03:41 in Paris

    private static CardHistoryLine Line(string kind, string? terminal = "pool-gate-1", string? detail = "tap #12, service day 2026-11-30") =>
        new(Guid.NewGuid(), Guid.NewGuid(), 7, kind, -2_50, 17_50, "pool", terminal, "payg", detail, Tapped);

    private static Func<CardHistoryLine, CardHistoryLine> ShownAfter(Duration elapsed) =>
        new VisitPseudonymisation(new FakeClock(Tapped + elapsed), Options.Create(new PrivacyOptions())).AsOfNow();

    [Theory]
    [InlineData("charged")]
    [InlineData("entry")]
    [InlineData("owed")]
    public void A_visit_is_identifiable_for_48_hours_then_shows_its_venue_and_day_only(string kind)
    {
        var line = Line(kind);
        Assert.Same(line, ShownAfter(Duration.FromHours(48) - Duration.FromMinutes(1))(line));

        var shown = ShownAfter(Duration.FromHours(48) + Duration.FromMinutes(1))(line);
        Assert.True(shown.Pseudonymised);
        Assert.Null(shown.TerminalId);
        Assert.Equal(Instant.FromUtc(2026, 11, 29, 23, 0), shown.At); // midnight in Paris (UTC+1 in November)
        Assert.Equal((line.Id, line.Version, line.VenueId, line.AmountCents, line.BalanceCents), (shown.Id, shown.Version, shown.VenueId, shown.AmountCents, shown.BalanceCents));
        if (kind == "charged")
            Assert.Equal("visit on 2026-11-30", shown.Detail);
    }

    [Theory]
    [InlineData("loaded")]
    [InlineData("purchased")]
    [InlineData("blocked")]
    public void Lines_that_are_not_visits_stay_as_they_are(string kind)
    {
        var line = Line(kind, terminal: null, detail: "admin");
        Assert.Same(line, ShownAfter(Duration.FromDays(400))(line));
    }
}
