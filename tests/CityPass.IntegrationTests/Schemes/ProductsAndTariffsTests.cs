using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using CityPass.Host.Cards.Purchasing;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;

namespace CityPass.IntegrationTests.Schemes;

[Collection(CityPassCollection.Name)]
public class ProductsAndTariffsTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();
    private static long _sequence = 1_000_000;

    private async Task<object> Tap(string uid, string venue)
    {
        return await host.Decide(
            await host.Terminals.Tap($"{venue}-products-gate", Interlocked.Increment(ref _sequence), uid, venue, host.Clock.GetCurrentInstant()));
    }

    private async Task<HttpResponseMessage> Buy(Guid cardId, string productId, string? startDate = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/cards/{cardId}/purchases") { Content = JsonContent.Create(new { productId, startDate }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await _http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> Grant(Guid cardId, string profileId, LocalDate from, LocalDate to)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/cards/{cardId}/concessions")
        {
            Content = JsonContent.Create(new { profileId, validFrom = from.ToString("yyyy-MM-dd", null), validTo = to.ToString("yyyy-MM-dd", null), evidence = "CAF attestation 2026-118842" }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await _http.SendAsync(request);
    }

    private LocalDate Today => host.Clock.GetCurrentInstant().InZone(DateTimeZoneProviders.Tzdb["Europe/Paris"]).Date;

    [Fact]
    public async Task A_carnet_bought_with_stored_value_lets_the_holder_in_ten_times_then_stored_value_pays()
    {
        var card = await _http.CardWithBalance(40_00);

        var bought = await Buy(card.Id, "swim-10");
        Assert.Equal(HttpStatusCode.Created, bought.StatusCode);
        var receipt = (await bought.Content.ReadFromJsonAsync<PurchaseReceipt>(Api.Json))!;
        Assert.Equal((30_00L, 10_00L, 10), (receipt.Price.Charged.Cents, receipt.BalanceCents, receipt.Right.EntriesLeft!.Value));
        Assert.Equal(Today.PlusYears(1).PlusDays(-1), receipt.Right.ValidTo);

        for (var left = 9; left >= 0; left--)
        {
            var entry = Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Pool));
            Assert.Equal(("Carnet", "swim-10", left, 0L), (entry.RightUsed, entry.ProductId!, entry.EntriesLeft!.Value, entry.ChargedCents));
        }
        var paid = Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Pool));
        Assert.Equal(("StoredValue", 3_50L, 6_50L), (paid.RightUsed, paid.ChargedCents, paid.BalanceCents));
    }

    [Fact]
    public async Task The_last_carnet_entry_taken_by_two_concurrent_taps_lets_one_in()
    {
        var card = await _http.CardWithBalance(30_00);
        Assert.Equal(HttpStatusCode.Created, (await Buy(card.Id, "swim-10")).StatusCode);
        for (var i = 0; i < 9; i++)
            Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Pool));

        var replies = await Task.WhenAll(Tap(card.Uid, TestCity.Pool), Tap(card.Uid, TestCity.Pool));

        var winner = Assert.Single(replies.OfType<TapAuthorized>());
        Assert.Equal(("Carnet", 0), (winner.RightUsed, winner.EntriesLeft!.Value));
        var loser = Assert.Single(replies.OfType<TapDeclined>());
        Assert.Equal(TapDeclineReason.InsufficientFunds, loser.Reason); // no entry left, and the balance is 0 for the pool's fare
        Assert.Equal(0, Assert.Single((await _http.Card(card.Id)).Rights).EntriesLeft);
    }

    [Fact]
    public async Task An_event_ticket_lets_the_holder_in_once_during_the_show()
    {
        var card = await _http.CardWithBalance(30_00);
        Assert.Equal(HttpStatusCode.Created, (await Buy(card.Id, TestCity.ShowOnNow)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Buy(card.Id, TestCity.ShowTomorrow)).StatusCode);

        var first = Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Theatre));
        var second = Assert.IsType<TapDeclined>(await Tap(card.Uid, TestCity.Theatre));

        Assert.Equal(("EventTicket", TestCity.ShowOnNow, 0), (first.RightUsed, first.ProductId!, first.EntriesLeft!.Value));
        Assert.Equal(TapDeclineReason.EventNotStarted, second.Reason); // the used ticket is spent; tomorrow's show has not opened
        Assert.Equal(6_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_ticket_used_once_is_refused_the_second_time()
    {
        var card = await _http.CardWithBalance(20_00);
        Assert.Equal(HttpStatusCode.Created, (await Buy(card.Id, TestCity.ShowOnNow)).StatusCode);

        Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Theatre));
        var again = Assert.IsType<TapDeclined>(await Tap(card.Uid, TestCity.Theatre));

        Assert.Equal(TapDeclineReason.AlreadyUsed, again.Reason);
    }

    [Fact]
    public async Task A_ticket_for_a_show_that_is_over_is_not_sold()
    {
        var card = await _http.CardWithBalance(20_00);
        var rows = await _http.History(card.Id);

        var response = await Buy(card.Id, TestCity.ShowOver);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("event-over", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(rows.Count, (await _http.History(card.Id)).Count);
        Assert.Equal(20_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_period_pass_is_used_before_stored_value_and_a_free_entry_still_records_the_visit()
    {
        var card = await _http.CardWithBalance(100_00);
        Assert.Equal(HttpStatusCode.Created, (await Buy(card.Id, "parking-month")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Buy(card.Id, "library-membership")).StatusCode);

        var parking = Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Parking));
        var library = Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Library));

        Assert.Equal(("PeriodPass", 0L, Today.PlusMonths(1).PlusDays(-1)), (parking.RightUsed, parking.ChargedCents, parking.ValidUntil!.Value));
        Assert.Equal(("FreeEntry", 0L, 40_00L), (library.RightUsed, library.ChargedCents, library.BalanceCents));
        var visits = (await _http.History(card.Id)).Where(l => l.Kind == "entry").ToList();
        Assert.Equal(new[] { TestCity.Library, TestCity.Parking }, visits.Select(v => v.VenueId));
    }

    [Fact]
    public async Task A_concession_of_85_percent_off_1_50_is_charged_0_23_rounded_half_up_and_says_so()
    {
        var card = await _http.CardWithBalance(10_00);
        Assert.Equal(HttpStatusCode.Created, (await Grant(card.Id, "sortir-85", Today.PlusDays(-10), Today.PlusDays(30))).StatusCode);

        var reply = Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Museum));

        Assert.Equal(23, reply.ChargedCents);
        var charge = await LastCharge(card.Id);
        Assert.Equal((150L, 85, "sortir-85", "HalfUp to the cent", 23L), (charge.Price.Base.Cents, charge.Price.ReductionPercent, charge.Price.ProfileId!, charge.Price.Rounding, charge.Amount.Cents));
    }

    [Fact]
    public async Task An_expired_concession_falls_back_to_full_price()
    {
        var card = await _http.CardWithBalance(10_00);
        // Granted until yesterday is refused as already lapsed; so grant until today and look at tomorrow's price through the quote.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Grant(card.Id, "sortir-85", Today.PlusDays(-30), Today.PlusDays(-1))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Grant(card.Id, "sortir-85", Today.PlusDays(-30), Today)).StatusCode);
        Assert.Equal(23, Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Museum)).ChargedCents);

        var tomorrowMorning = Today.PlusDays(1).At(new LocalTime(9, 0)).InZoneStrictly(DateTimeZoneProviders.Tzdb["Europe/Paris"]).ToInstant();
        var was = host.Clock.GetCurrentInstant();
        host.Clock.Reset(tomorrowMorning);
        try
        {
            Assert.Equal(1_50, Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Museum)).ChargedCents);
        }
        finally
        {
            host.Clock.Reset(was);
        }
    }

    [Fact]
    public async Task A_tariff_change_between_two_taps_prices_the_second_and_leaves_the_first_as_it_was()
    {
        var card = await _http.CardWithBalance(20_00);
        var effective = host.Clock.GetCurrentInstant() + Duration.FromMinutes(1);
        try
        {
            var change = await _http.PostAsJsonAsync("/scheme/tariffs/parking/versions",
                new { productId = "payg", venueId = TestCity.Parking, priceCents = 3_00, rounding = "HalfUp", effectiveFrom = InstantPattern.ExtendedIso.Format(effective) });
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);

            var before = Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Parking));
            host.Clock.Advance(Duration.FromMinutes(2));
            var after = Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Parking));

            Assert.Equal((2_50L, 3_00L), (before.ChargedCents, after.ChargedCents));
            var charges = (await _http.History(card.Id)).Where(l => l.Kind == "charged").OrderBy(l => l.Version).ToList();
            Assert.Equal(new long?[] { -2_50, -3_00 }, charges.Select(c => c.AmountCents));
            await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
            var recorded = (await query.Events.FetchStreamAsync(card.Id)).Select(e => e.Data).OfType<FareCharged>().ToList();
            var versions = (await query.LoadAsync<Scheme>(Scheme.StreamId))!.Tariffs["parking"].Versions;
            Assert.Equal((versions[0].EffectiveFrom, 2_50L), (recorded[0].Price.TariffEffectiveFrom, recorded[0].Amount.Cents));
            Assert.Equal((effective, 3_00L), (recorded[1].Price.TariffEffectiveFrom, recorded[1].Amount.Cents));
        }
        finally
        {
            // The original price again, from whenever this runs on: the tests that follow expect 2.50.
            host.Clock.Advance(Duration.FromMinutes(2));
            Assert.Equal(HttpStatusCode.OK, (await _http.PostAsJsonAsync("/scheme/tariffs/parking/versions",
                new { productId = "payg", venueId = TestCity.Parking, priceCents = 2_50, rounding = "HalfUp" })).StatusCode);
        }
    }

    [Fact]
    public async Task The_daily_cap_of_a_profile_authorizes_at_zero_once_reached()
    {
        var card = await _http.CardWithBalance(20_00);
        Assert.Equal(HttpStatusCode.Created, (await Grant(card.Id, "capped", Today, Today.PlusDays(30))).StatusCode);

        var charged = new List<long>();
        for (var i = 0; i < 4; i++)
            charged.Add(Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Pool)).ChargedCents);

        Assert.Equal(new long[] { 3_50, 2_50, 0, 0 }, charged);
        Assert.Equal(14_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task Every_charge_on_the_statement_shows_how_it_was_priced_and_names_the_product_the_tap_answer_named()
    {
        var card = await _http.CardWithBalance(20_00);
        Assert.Equal(HttpStatusCode.Created, (await Grant(card.Id, "sortir-85", Today.PlusDays(-1), Today.PlusDays(30))).StatusCode);
        var answers = new List<TapAuthorized>();
        foreach (var venue in new[] { TestCity.Museum, TestCity.Pool, TestCity.Parking })
            answers.Add(Assert.IsType<TapAuthorized>(await Tap(card.Uid, venue)));

        var charges = (await _http.History(card.Id)).Where(l => l.Kind == "charged").OrderBy(l => l.Version).ToList();

        Assert.Equal(answers.Count, charges.Count);
        foreach (var (answer, line) in answers.Zip(charges))
        {
            var price = line.Price!;
            Assert.Equal((answer.ProductId, -answer.ChargedCents), (line.ProductId, line.AmountCents!.Value));
            Assert.Equal((85, "sortir-85", "HalfUp to the cent"), (price.ReductionPercent, price.ProfileId!, price.Rounding));
            Assert.Equal((price.TariffId, price.TariffEffectiveFrom, price.Base.Cents, price.Reduced.Cents, price.CapTookOff.Cents),
                (answer.Fare!.TariffId, answer.Fare.TariffEffectiveFrom, answer.Fare.BaseCents, answer.Fare.ReducedCents, answer.Fare.CapTookOffCents));
        }
        Assert.Equal((150L, 23L), (charges[0].Price!.Base.Cents, charges[0].Price!.Reduced.Cents));
    }

    [Fact]
    public async Task A_quote_for_a_card_is_what_its_tap_would_do_and_a_quote_without_one_says_what_it_ignored()
    {
        var card = await _http.CardWithBalance(80_00);
        Assert.Equal(HttpStatusCode.Created, (await Grant(card.Id, "capped", Today.PlusDays(-1), Today.PlusDays(30))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Buy(card.Id, "parking-month", Today.ToString("yyyy-MM-dd", null))).StatusCode);
        Assert.IsType<TapAuthorized>(await Tap(card.Uid, TestCity.Pool));

        var pool = (await _http.GetFromJsonAsync<JsonElement>($"/scheme/quote?venueId={TestCity.Pool}&cardId={card.Id}"));
        var parking = (await _http.GetFromJsonAsync<JsonElement>($"/scheme/quote?venueId={TestCity.Parking}&cardId={card.Id}"));
        var plain = (await _http.GetFromJsonAsync<JsonElement>($"/scheme/quote?productId=payg&venueId={TestCity.Pool}"));

        Assert.Equal(("StoredValue", 2_50, 3_50), (pool.GetProperty("rightUsed").GetString(), pool.GetProperty("price").GetProperty("charged").GetInt32(),
            pool.GetProperty("price").GetProperty("spentBefore").GetInt32()));
        Assert.Equal(("PeriodPass", "parking-month"), (parking.GetProperty("rightUsed").GetString(), parking.GetProperty("productId").GetString()));
        Assert.Equal(new string?[] { "rights", "openingHours", "dailyCap" }, plain.GetProperty("ignored").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(3_50, plain.GetProperty("price").GetProperty("charged").GetInt32());
    }

    [Fact]
    public async Task A_venue_without_fare_or_right_declines_with_no_valid_right()
    {
        var card = await _http.CardWithBalance(20_00);
        var reply = Assert.IsType<TapDeclined>(await Tap(card.Uid, TestCity.Nowhere));
        Assert.Equal(TapDeclineReason.NoValidRight, reply.Reason);
    }

    private async Task<FareCharged> LastCharge(Guid cardId)
    {
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.Events.FetchStreamAsync(cardId)).Select(e => e.Data).OfType<FareCharged>().Last();
    }
}
