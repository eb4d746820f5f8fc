using System.Net;
using System.Net.Http.Json;
using CityPass.Domain;
using CityPass.Domain.Cards;
using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using CityPass.Host.Finance.Closing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Finance.Closing;

/// <summary>Closing days moves time forward: this class has a host (and a clock) of its own.</summary>
public class LateTapTests(FinanceHost host) : IClassFixture<FinanceHost>
{
    [Fact]
    public async Task A_tap_uploaded_after_its_day_was_closed_never_changes_that_day_and_lands_as_an_adjustment_on_the_next_close()
    {
        var admin = host.CreateClient();
        var finance = await host.Finance();
        var card = await admin.CardWithBalance(20_00);
        await host.Tap(card.Uid, TestCity.Pool); // Wednesday 25 November 2026, 18:00 in Paris: 3.50

        Assert.Equal(HttpStatusCode.Conflict, (await finance.PostAsync("/finance/days/2026-11-25/close", null)).StatusCode); // not over yet
        host.At(new LocalDateTime(2026, 11, 26, 5, 0));
        var closing = await finance.PostAsync("/finance/days/2026-11-25/close", null);
        Assert.Equal(HttpStatusCode.Created, closing.StatusCode);
        var closed = Assert.Single((await closing.Content.ReadFromJsonAsync<CloseResult>(Api.Json))!.Closed);
        var pool = Assert.Single(closed.Operators);
        Assert.Equal(("city", "pool", 1, 3_50L, (LocalDate?)null), (pool.OperatorId, pool.VenueId, pool.Visits, pool.AmountCents, pool.AdjustmentOf));
        Assert.Equal(20_00, closed.Scheme.LoadsBySource["admin"]);
        Assert.Equal(16_50, closed.Scheme.ClosingFloatCents);
        var original = await finance.GetStringAsync("/finance/days/2026-11-25");

        // An offline terminal uploads, on the 26th, a 1.00 library tap of the evening of the 25th (appended with the terminal's service date).
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            var stream = await session.Events.FetchForWriting<Card>(card.Id);
            var terminalTime = Instant.FromUtc(2026, 11, 25, 21, 0);
            var price = new PriceBreakdown("library", CityPassHost.Start, Money.FromCents(1_00), null, 0, "HalfUp", Money.FromCents(1_00), null, Money.FromCents(1_00));
            stream.AppendOne(new FareCharged(card.Id, TestCity.Library, "offline-7", 1, Money.FromCents(1_00), stream.Aggregate!.Balance - Money.FromCents(1_00),
                new LocalDate(2026, 11, 25), price, terminalTime, host.Clock.GetCurrentInstant()));
            await session.SaveChangesAsync();
        }
        var balance = await host.TrialBalance();
        Assert.Equal((0L, balance.CardBalancesCents), (balance.TotalCents, balance.StoredValueLiabilityCents));

        Assert.Equal(original, await finance.GetStringAsync("/finance/days/2026-11-25")); // the closed day did not move
        var again = await finance.PostAsync("/finance/days/2026-11-25/close", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True((await again.Content.ReadFromJsonAsync<CloseResult>(Api.Json))!.AlreadyClosed);

        host.At(new LocalDateTime(2026, 11, 27, 5, 0));
        var next = Assert.Single((await (await finance.PostAsync("/finance/days/2026-11-26/close", null)).Content.ReadFromJsonAsync<CloseResult>(Api.Json))!.Closed);
        var adjustment = Assert.Single(next.Adjustments);
        Assert.Equal((new LocalDate(2026, 11, 25), "fare", -1_00L), (adjustment.OriginalDay, adjustment.Kind, adjustment.StoredValueCents));
        var line = Assert.Single(next.Operators);
        Assert.Equal(("library", 1, 1_00L, (LocalDate?)new LocalDate(2026, 11, 25)), (line.VenueId, line.Visits, line.AmountCents, line.AdjustmentOf));
        Assert.Equal((16_50L, 15_50L), (next.Scheme.OpeningFloatCents, next.Scheme.ClosingFloatCents));
        Assert.Equal(balance.CardBalancesCents, next.Scheme.ClosingFloatCents);

        // Settlement of the two days: 4.50 of redemptions at the city's venues, 10 % commission (configured for "city").
        var settlement = (await finance.GetFromJsonAsync<SettlementStatement>("/finance/settlements/city?from=2026-11-25&to=2026-11-26", Api.Json))!;
        Assert.Equal((4_50L, 1000, 45L, 4_05L, 2), (settlement.GrossCents, settlement.CommissionBasisPoints, settlement.CommissionCents, settlement.PayableCents, settlement.Visits));
        var csv = await finance.GetAsync("/finance/settlements/city?from=2026-11-25&to=2026-11-26&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("operator_id,period_from,period_to,kind,venue_id,product_id,profile_id,visits,amount_cents", lines[0]);
        Assert.Contains("city,2026-11-25,2026-11-26,fare,pool,payg,,1,350", lines);
        Assert.Equal("city,2026-11-25,2026-11-26,payable,,,,0,405", lines[^1]);
        Assert.Equal(HttpStatusCode.Conflict, (await finance.GetAsync("/finance/settlements/city?from=2026-11-25&to=2026-11-27")).StatusCode);
    }
}

public class DaylightSavingCloseTests(FinanceHost host) : IClassFixture<FinanceHost>
{
    [Fact]
    public async Task The_23_hour_and_25_hour_business_days_close_with_their_own_taps()
    {
        var admin = host.CreateClient();
        var finance = await host.Finance();
        var card = await admin.CardWithBalance(50_00);
        host.At(new LocalDateTime(2027, 3, 27, 5, 0));
        Assert.Equal(HttpStatusCode.Created, (await finance.PostAsync("/finance/days/2027-03-26/close", null)).StatusCode); // the books open

        // Sunday 28 March 2027: 02:00 becomes 03:00. With the 04:00 cut-off, 03:30 still belongs to Saturday's business day.
        host.At(new LocalDateTime(2027, 3, 28, 3, 30));
        await host.Tap(card.Uid, TestCity.Pool);
        host.At(new LocalDateTime(2027, 3, 28, 12, 0));
        await host.Tap(card.Uid, TestCity.Library);
        host.At(new LocalDateTime(2027, 3, 29, 4, 0));
        var spring = (await (await finance.PostAsync("/finance/days/2027-03-28/close", null)).Content.ReadFromJsonAsync<CloseResult>(Api.Json))!.Closed;
        Assert.Equal([new LocalDate(2027, 3, 27), new LocalDate(2027, 3, 28)], spring.Select(s => s.Day));
        Assert.Equal((23L, "pool", 3_50L), (spring[0].Hours, Assert.Single(spring[0].Operators).VenueId, spring[0].Operators[0].AmountCents));
        Assert.Equal(Instant.FromUtc(2027, 3, 27, 3, 0), spring[0].From);
        Assert.Equal((24L, "library"), (spring[1].Hours, Assert.Single(spring[1].Operators).VenueId));

        // With the cut-off at midnight, Sunday 31 October 2027 is the business day that lasts 25 hours: 02:30 happens twice.
        var settings = await admin.PutAsJsonAsync("/scheme/settings", new { timeZoneId = "Europe/Paris", serviceDayCutoff = "00:00:00", standardDailyCapCents = (long?)null });
        Assert.True(settings.IsSuccessStatusCode);
        host.AtUtc(Instant.FromUtc(2027, 10, 31, 0, 30)); // 02:30 CEST
        await host.Tap(card.Uid, TestCity.Pool);
        host.AtUtc(Instant.FromUtc(2027, 10, 31, 1, 30)); // 02:30 CET, an hour later
        await host.Tap(card.Uid, TestCity.Museum);
        host.At(new LocalDateTime(2027, 10, 31, 23, 30));
        await host.Tap(card.Uid, TestCity.Library);
        host.At(new LocalDateTime(2027, 11, 1, 0, 30));
        var autumn = (await (await finance.PostAsync("/finance/days/2027-10-31/close", null)).Content.ReadFromJsonAsync<CloseResult>(Api.Json))!.Closed;
        Assert.Equal(new LocalDate(2027, 3, 29), autumn[0].Day);
        var sunday = autumn[^1];
        Assert.Equal((new LocalDate(2027, 10, 31), 25L), (sunday.Day, sunday.Hours));
        Assert.Equal((Instant.FromUtc(2027, 10, 30, 22, 0), Instant.FromUtc(2027, 10, 31, 23, 0)), (sunday.From, sunday.To));
        Assert.Equal(["library", "museum", "pool"], sunday.Operators.Select(l => l.VenueId));
        Assert.Equal(3, sunday.Operators.Sum(l => l.Visits));
        Assert.Equal(24L, autumn[^2].Hours);
        Assert.All(autumn.Take(autumn.Count - 1), day => Assert.Empty(day.Operators));
        Assert.Equal(50_00 - 3_50 - 1_00 - 3_50 - 1_50 - 1_00, sunday.Scheme.ClosingFloatCents);
        Assert.Equal((await host.TrialBalance()).CardBalancesCents, sunday.Scheme.ClosingFloatCents);
    }
}
