using System.Net.Http.Json;
using NodaTime;

namespace CityPass.IntegrationTests;

/// <summary>
/// The scheme every integration test runs against, defined through the administrators' HTTP endpoints as a real
/// operator would. No daily cap and no opening hours, so that the foundation's tests see plain fares:
/// pool 3.50, library 1.00, parking 2.50, museum 1.50 (rounded half-up), all from stored value.
/// </summary>
public static class TestCity
{
    public const string Pool = "pool";
    public const string Library = "library";
    public const string Parking = "parking";
    public const string Museum = "museum";
    public const string Theatre = "theatre";
    public const string Nowhere = "nowhere"; // a venue with no tariff and no product

    /// <summary>A show on now (doors opened an hour before the fixture's clock, ends three hours after).</summary>
    public const string ShowOnNow = "show-now";

    /// <summary>A show tomorrow evening.</summary>
    public const string ShowTomorrow = "show-tomorrow";

    /// <summary>A show that ended yesterday.</summary>
    public const string ShowOver = "show-over";

    public static async Task DefineAsync(HttpClient http, Instant now)
    {
        var paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];
        var local = now.InZone(paris).LocalDateTime;
        await Put(http, "/scheme/settings", new { timeZoneId = "Europe/Paris", serviceDayCutoff = "04:00:00", standardDailyCapCents = (long?)null });
        await Put(http, "/scheme/operators/city", new { name = "City of Rennes" });
        foreach (var (venue, kind) in new[] { (Pool, "Pool"), (Library, "Library"), (Parking, "CarPark"), (Museum, "Museum"), (Theatre, "Theatre"), (Nowhere, "Other") })
            await Put(http, $"/scheme/venues/{venue}", new { operatorId = "city", name = $"The {venue}", kind });
        await Put(http, "/scheme/products/payg", new { kind = "PayAsYouGo", name = "Pay as you go", venueIds = new[] { Pool, Library, Parking, Museum } });
        await Put(http, "/scheme/products/swim-10", new { kind = "Carnet", name = "10 swims", venueIds = new[] { Pool }, entries = 10, validity = "P1Y" });
        await Put(http, "/scheme/products/parking-month", new { kind = "PeriodPass", name = "Monthly parking", venueIds = new[] { Parking }, validity = "P1M" });
        await Put(http, "/scheme/products/library-membership", new { kind = "FreeEntry", name = "Library membership", venueIds = new[] { Library }, validity = "P1Y" });
        await Put(http, $"/scheme/products/{ShowOnNow}", Show("Hamlet", local.PlusHours(-1), local.PlusHours(3)));
        await Put(http, $"/scheme/products/{ShowTomorrow}", Show("Macbeth", local.Date.PlusDays(1).At(new LocalTime(20, 0)), local.Date.PlusDays(1).At(new LocalTime(23, 0))));
        await Put(http, $"/scheme/products/{ShowOver}", Show("Lear", local.Date.PlusDays(-1).At(new LocalTime(20, 0)), local.Date.PlusDays(-1).At(new LocalTime(23, 0))));
        await Put(http, "/scheme/profiles/sortir-85", new { name = "Sortir! 85 %", reductionPercent = 85, dailyCapCents = (long?)null });
        await Put(http, "/scheme/profiles/capped", new { name = "Capped at 6 EUR a day", reductionPercent = 0, dailyCapCents = 6_00 });
        foreach (var (tariff, product, venue, cents) in new[]
                 {
                     ("pool", "payg", Pool, 3_50L), ("library", "payg", Library, 1_00L), ("parking", "payg", Parking, 2_50L), ("museum", "payg", Museum, 1_50L),
                     ("swim-10", "swim-10", (string?)null, 30_00L), ("parking-month", "parking-month", null, 60_00L),
                     ("library-membership", "library-membership", null, 0L), (ShowOnNow, ShowOnNow, null, 12_00L),
                     (ShowTomorrow, ShowTomorrow, null, 12_00L), (ShowOver, ShowOver, null, 12_00L),
                 })
        {
            var response = await http.PostAsJsonAsync($"/scheme/tariffs/{tariff}/versions",
                new { productId = product, venueId = venue, priceCents = cents, rounding = "HalfUp" });
            await EnsureOk(response, $"tariff {tariff}");
        }
    }

    private static object Show(string name, LocalDateTime doors, LocalDateTime ends) => new
    {
        kind = "EventTicket", name, venueIds = new[] { Theatre },
        doorsOpen = doors.ToString("yyyy-MM-dd'T'HH:mm:ss", null), showEnds = ends.ToString("yyyy-MM-dd'T'HH:mm:ss", null),
    };

    private static async Task Put(HttpClient http, string path, object body) =>
        await EnsureOk(await http.PutAsJsonAsync(path, body), path);

    private static async Task EnsureOk(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Defining the test city failed at {what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
