using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Contracts.Terminals;
using CityPass.Host.Cards;
using CityPass.Host.Cardholders.Linking;
using CityPass.Host.Cardholders.Replacing;
using CityPass.IntegrationTests.Payments;
using MassTransit;

namespace CityPass.IntegrationTests.Cardholders;

/// <summary>Named steps of the cardholder tests, through the public HTTP API.</summary>
public static class CardholderSteps
{
    private static long _sequence = 1_000_000;

    public static async Task<PrintedNumberView> Printed(this CityPassHost host, Guid cardId)
    {
        var admin = await host.Administrator();
        return (await admin.GetFromJsonAsync<PrintedNumberView>($"/admin/cards/{cardId}/printed-number", Api.Json))!;
    }

    /// <summary>A card the cardholder holds in hand: issued, loaded, not linked yet; its UID and printed number.</summary>
    public static async Task<(CardView Card, string PrintedNumber)> CardInHand(this CityPassHost host, long cents = 0)
    {
        var admin = host.CreateClient();
        var card = cents > 0 ? await admin.CardWithBalance(cents) : await admin.IssuedCard();
        return (card, (await host.Printed(card.Id)).PrintedNumber);
    }

    public static async Task<HttpResponseMessage> ReportLost(this HttpClient http, Guid cardId, string? replacementUid = null, string? printedNumber = null) =>
        await http.PostAsJsonAsync($"/me/cards/{cardId}/lost", new
        {
            reason = "lost",
            replacement = replacementUid is null ? null : new { uid = replacementUid, printedNumber },
        });

    public static async Task<ReplacementView> Replacement(this HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReplacementView>(Api.Json))!;
    }

    public static async Task<object> Tap(this CityPassHost host, string uid, string venue)
    {
        var tap = await host.Terminals.Tap($"{venue}-cardholders", Interlocked.Increment(ref _sequence), uid, venue, host.Clock.GetCurrentInstant());
        return await host.Decide(tap);
    }

    public static async Task Buy(this HttpClient admin, Guid cardId, string productId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/cards/{cardId}/purchases") { Content = JsonContent.Create(new { productId }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await admin.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task GrantConcession(this HttpClient admin, Guid cardId, string profileId, string evidence)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/cards/{cardId}/concessions")
        {
            Content = JsonContent.Create(new { profileId, validFrom = "2026-11-01", validTo = "2027-10-31", evidence }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await admin.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<long> SumOfAllBalances(this CityPassHost host)
    {
        await using var connection = new Npgsql.NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        await using var sum = new Npgsql.NpgsqlCommand($"SELECT coalesce(sum((data->>'balance')::bigint), 0) FROM {host.Schema}.mt_doc_card", connection);
        return Convert.ToInt64(await sum.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<JsonElement> Json(this HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();
}
