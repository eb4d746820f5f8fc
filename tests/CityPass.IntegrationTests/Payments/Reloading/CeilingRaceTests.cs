using System.Net;
using System.Net.Http.Json;
using CityPass.Domain.Payments;

namespace CityPass.IntegrationTests.Payments.Reloading;

[Collection(CityPassCollection.Name)]
public class CeilingRaceTests(CityPassHost host)
{
    [Fact]
    public async Task Racing_reloads_never_reserve_past_the_ceiling_and_once_paid_never_overshoot_it()
    {
        // 100 EUR on the card, a 150 EUR ceiling: room for exactly five 10 EUR reloads out of twelve racing.
        var (http, _, card) = await host.CardholderWithCard(100_00);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            http.SendAsync(Cardholders.ReloadRequest(card.Id, 10_00, Guid.NewGuid().ToString()))));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode));
        Assert.Equal(50_00, (await http.MyCard(card.Id)).ReservedCents);

        // An administrator's load cannot squeeze in while they are in flight either.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await host.CreateClient().SendAsync(Api.LoadRequest(card.Id, 5_00, Guid.NewGuid().ToString()))).StatusCode);

        var reloads = (await http.GetFromJsonAsync<List<Host.Payments.Reloading.ReloadView>>($"/me/cards/{card.Id}/reloads", Api.Json))!;
        await Task.WhenAll(reloads.Select(r => host.PostStripeEvent(StripeEvents.Succeeded(r.PaymentIntentId!, r.Id, r.AmountCents))));

        var after = await http.MyCard(card.Id);
        Assert.Equal((150_00L, 0L), (after.BalanceCents, after.ReservedCents));
        Assert.All(await Task.WhenAll(reloads.Select(r => http.Reload(r.Id))), r => Assert.Equal(ReloadStatus.Credited, r.Status));
    }
}
