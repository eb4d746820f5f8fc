using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Host.Cards;
using CityPass.Host.Cards.Reading;
using CityPass.Host.Infrastructure;

namespace CityPass.IntegrationTests;

public static class Api
{
    public static readonly JsonSerializerOptions Json = CityPass.Host.Infrastructure.Json.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static HttpRequestMessage LoadRequest(Guid cardId, long cents, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/cards/{cardId}/loads") { Content = JsonContent.Create(new { amountCents = cents }) };
        if (key is not null)
            request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    public static async Task<CardView> Card(this HttpClient http, Guid id) =>
        (await http.GetFromJsonAsync<CardView>($"/cards/{id}", Json))!;

    public static async Task<IReadOnlyList<CardHistoryLine>> History(this HttpClient http, Guid id) =>
        (await http.GetFromJsonAsync<CardHistoryPage>($"/cards/{id}/history?limit=200", Json))!.Lines;
}
