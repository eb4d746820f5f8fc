using System.Net;
using System.Net.Http.Json;
using CityPass.Host.Cards;
using CityPass.Host.Payments.Reloading;

namespace CityPass.IntegrationTests.Payments;

[Collection(CityPassCollection.Name)]
public class AccountTests(CityPassHost host)
{
    [Fact]
    public async Task One_account_holds_several_cards_and_sees_only_its_own()
    {
        var (http, email, first) = await host.CardholderWithCard(12_00);
        var second = await host.CreateClient().IssuedCard();
        await host.Link(email, second.Id);
        var (_, _, stranger) = await host.CardholderWithCard(7_00);

        var mine = (await http.GetFromJsonAsync<List<CardView>>("/me/cards", Api.Json))!;

        Assert.Equal(new[] { first.Id, second.Id }.Order(), mine.Select(c => c.Id).Order());
        Assert.DoesNotContain(mine, c => c.Id == stranger.Id);
        Assert.Equal(12_00, mine.Single(c => c.Id == first.Id).BalanceCents);
    }

    [Fact]
    public async Task A_cardholder_gets_404_for_another_cardholders_card_on_every_endpoint_and_changes_nothing()
    {
        var (owner, _, card) = await host.CardholderWithCard(10_00);
        var ownersReload = await owner.StartedReload(card.Id, 5_00);
        var (intruder, _, _) = await host.CardholderWithCard();
        var rows = await host.RowCount();

        var responses = new[]
        {
            await intruder.GetAsync($"/me/cards/{card.Id}"),
            await intruder.GetAsync($"/me/cards/{card.Id}/history"),
            await intruder.GetAsync($"/me/cards/{card.Id}/reloads"),
            await intruder.GetAsync($"/me/reloads/{ownersReload.Id}"),
            await intruder.SendAsync(Cardholders.ReloadRequest(card.Id, 20_00, Guid.NewGuid().ToString())),
        };

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        Assert.All(responses, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
        Assert.Equal(rows, await host.RowCount());
        var list = await intruder.GetFromJsonAsync<List<CardView>>("/me/cards", Api.Json);
        Assert.DoesNotContain(list!, c => c.Id == card.Id);
    }

    [Fact]
    public async Task Cardholder_endpoints_need_a_signed_in_cardholder()
    {
        var anonymous = host.Anonymous();
        var card = Guid.NewGuid();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/me/cards")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(Cardholders.ReloadRequest(card, 20_00, "k"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/me/reloads/{card}")).StatusCode);
        var forged = host.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/me/cards")).StatusCode);
    }

    [Fact]
    public async Task Only_an_administrator_links_cards_and_a_card_belongs_to_one_account()
    {
        var (holder, email) = await host.SignedInCardholder();
        var (_, otherEmail) = await host.SignedInCardholder();
        var card = await host.CreateClient().IssuedCard();

        Assert.Equal(HttpStatusCode.Forbidden, (await holder.PostAsJsonAsync($"/admin/accounts/{email}/cards", new { cardId = card.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().PostAsJsonAsync($"/admin/accounts/{email}/cards", new { cardId = card.Id })).StatusCode);

        var admin = await host.Administrator();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/admin/accounts/{email}/cards", new { cardId = card.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/admin/accounts/{email}/cards", new { cardId = card.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync($"/admin/accounts/{otherEmail}/cards", new { cardId = card.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync($"/admin/accounts/{email}/cards", new { cardId = Guid.NewGuid() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync("/admin/accounts/nobody@example.test/cards", new { cardId = card.Id })).StatusCode);
        Assert.Equal(card.Id, (await holder.MyCard(card.Id)).Id);
    }

    [Fact]
    public async Task Reload_requests_are_validated_before_anything_is_written()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var rows = await host.RowCount();

        foreach (var (cents, key) in new (long, string?)[] { (20_00, null), (4_99, "k1"), (100_01, "k2"), (0, "k3"), (-5_00, "k4") })
        {
            var response = await http.SendAsync(Cardholders.ReloadRequest(card.Id, cents, key is null ? null : $"{key}-{Guid.NewGuid()}"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal(rows, await host.RowCount());
    }

    [Fact]
    public async Task A_repeated_reload_request_returns_the_first_reload_and_reserves_once()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var key = Guid.NewGuid().ToString();

        var first = await http.SendAsync(Cardholders.ReloadRequest(card.Id, 25_00, key));
        var again = await http.SendAsync(Cardholders.ReloadRequest(card.Id, 25_00, key));
        var other = await http.SendAsync(Cardholders.ReloadRequest(card.Id, 30_00, key));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        var a = (await first.Content.ReadFromJsonAsync<ReloadView>(Api.Json))!;
        var b = (await again.Content.ReadFromJsonAsync<ReloadView>(Api.Json))!;
        Assert.Equal((a.Id, a.PaymentIntentId, a.ClientSecret), (b.Id, b.PaymentIntentId, b.ClientSecret));
        Assert.Equal(25_00, (await http.MyCard(card.Id)).ReservedCents);
    }
}
