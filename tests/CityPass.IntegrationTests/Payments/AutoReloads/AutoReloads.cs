using System.Net;
using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Payments.AutoReloads;
using CityPass.Host.Payments.AutoReloads;
using CityPass.Host.Payments.Reloading;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Payments.AutoReloads;

/// <summary>Named steps of automatic reloading, through the public HTTP API as a holder's app takes them.</summary>
public static class AutoReloads
{
    public static async Task<PaymentMethodSetupView> StartedSetup(this HttpClient http)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/me/payment-methods/setup");
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PaymentMethodSetupView>(Api.Json))!;
    }

    /// <summary>The sandbox: the holder saves a test card on the setup page, as Stripe.js would confirm the SetupIntent.</summary>
    public static async Task<string> SavedSandboxCard(this CityPassHost host, HttpClient http, string cardNumber)
    {
        var setup = await http.StartedSetup();
        Assert.NotNull(setup.CheckoutUrl);
        var saved = await host.Anonymous().PostAsync($"/sandbox/setup/{setup.SetupIntentId}", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["client_secret"] = setup.ClientSecret!, ["card_number"] = cardNumber }));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        return setup.SetupIntentId;
    }

    public static Task<HttpResponseMessage> PutAutoReload(this HttpClient http, Guid cardId, string? setupIntentId, long thresholdCents, long amountCents) =>
        http.PutAsJsonAsync($"/me/cards/{cardId}/auto-reload", new { setupIntentId, thresholdCents, amountCents });

    public static async Task<AutoReloadView> AutoReloadSetUp(this HttpClient http, Guid cardId, string setupIntentId, long thresholdCents, long amountCents)
    {
        var response = await http.PutAutoReload(cardId, setupIntentId, thresholdCents, amountCents);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AutoReloadView>(Api.Json))!;
    }

    public static async Task<AutoReloadView> AutoReload(this HttpClient http, Guid cardId) =>
        (await http.GetFromJsonAsync<AutoReloadView>($"/me/cards/{cardId}/auto-reload", Api.Json))!;

    public static async Task<IReadOnlyList<ReloadView>> Reloads(this HttpClient http, Guid cardId) =>
        (await http.GetFromJsonAsync<List<ReloadView>>($"/me/cards/{cardId}/reloads", Api.Json))!;

    /// <summary>A tap at the pool (3.50) through <paramref name="host"/>'s bus.</summary>
    public static async Task<object> PoolTap(this CityPassHost host, string terminal, long sequence, string uid, CityPassHost? through = null)
    {
        var tap = await host.Terminals.Tap(terminal, sequence, uid, TestCity.Pool, host.Clock.GetCurrentInstant());
        var response = await (through ?? host).TapClient().GetResponse<TapAuthorized, TapDeclined>(tap);
        return response.Message;
    }

    public static async Task<IReadOnlyList<AutoReloadNotice>> Notices(this CityPassHost host, Guid cardId)
    {
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.Query<AutoReloadNotice>().Where(n => n.CardId == cardId).ToListAsync();
    }
    public static Task<AutoReloadView> AutoReloadWhen(this HttpClient http, Guid cardId, Func<AutoReloadView, bool> holds, string what) =>
        Eventually.ReadAsync(() => http.AutoReload(cardId), holds, what);

}
