using System.Net;
using System.Net.Http.Json;
using CityPass.Host.Cards;
using CityPass.Host.Cards.Loading;

namespace CityPass.IntegrationTests;

/// <summary>Named starting states, built through the public HTTP API.</summary>
public static class Given
{
    /// <summary>A fresh 7-byte UID, so that tests never collide.</summary>
    public static string NewUid() => "04" + Convert.ToHexString(Guid.NewGuid().ToByteArray()[..6]);

    public static async Task<CardView> IssuedCard(this HttpClient http, string? uid = null)
    {
        var response = await http.PostAsJsonAsync("/cards", new { uid = uid ?? NewUid() });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CardView>(Api.Json))!;
    }

    public static async Task<CardView> CardWithBalance(this HttpClient http, long cents)
    {
        var card = await http.IssuedCard();
        var receipt = await http.Load(card.Id, cents, Guid.NewGuid().ToString());
        Assert.Equal(cents, receipt.BalanceCents);
        return card with { BalanceCents = cents };
    }

    public static async Task<LoadReceipt> Load(this HttpClient http, Guid cardId, long cents, string key)
    {
        var response = await http.SendAsync(Api.LoadRequest(cardId, cents, key));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<LoadReceipt>(Api.Json))!;
    }
}
