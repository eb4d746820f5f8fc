using System.Net;
using System.Net.Http.Json;
using CityPass.Host.Cardholders.Linking;
using CityPass.Host.Cards;
using CityPass.IntegrationTests.Payments;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityPass.IntegrationTests.Cardholders;

/// <summary>A resident adds a card with the number printed on it and nothing else; guessing numbers is slowed and learns nothing.</summary>
[Collection(CityPassCollection.Name)]
public class PrintedNumberClaimTests(CityPassHost host)
{
    [Fact]
    public async Task The_printed_number_alone_finds_the_card_and_the_card_gets_a_name()
    {
        var (http, _) = await host.SignedInCardholder();
        var (card, printed) = await host.CardInHand(10_00);

        var claimed = await http.PostAsJsonAsync("/me/cards", new { printedNumber = printed.Replace(" ", "", StringComparison.Ordinal) });
        Assert.Equal(HttpStatusCode.Created, claimed.StatusCode);
        var view = (await claimed.Content.ReadFromJsonAsync<CardView>(Api.Json))!;
        Assert.Equal(card.Id, view.Id);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/me/cards", new { printedNumber = printed })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync($"/me/cards/{card.Id}/name", new { name = "Carte de Léa" })).StatusCode);
        var mine = (await http.GetFromJsonAsync<List<CardView>>("/me/cards", Api.Json))!.Single();
        Assert.Equal(("Carte de Léa", printed), (mine.Name, mine.PrintedNumber));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsJsonAsync($"/me/cards/{card.Id}/name", new { name = new string('x', 41) })).StatusCode);
        var (other, _) = await host.SignedInCardholder();
        Assert.Equal(HttpStatusCode.NotFound, (await other.PutAsJsonAsync($"/me/cards/{card.Id}/name", new { name = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await other.PostAsJsonAsync("/me/cards", new { printedNumber = printed })).StatusCode);
    }

    [Fact]
    public async Task An_unknown_number_answers_like_a_wrong_one_a_malformed_one_is_refused_and_attempts_are_limited_per_account()
    {
        var (http, _) = await host.SignedInCardholder();
        var (card, printed) = await host.CardInHand();

        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/me/cards", new { printedNumber = "1234" })).StatusCode);
        var unknown = await http.PostAsJsonAsync("/me/cards", new { printedNumber = "0000 0000 0001" });
        var wrongUid = await http.PostAsJsonAsync("/me/cards", new { uid = card.Uid, printedNumber = "0000 0000 0001" });
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (unknown.StatusCode, wrongUid.StatusCode));
        var (a, b) = (await unknown.Json(), await wrongUid.Json());
        Assert.Equal((a.GetProperty("title").GetString(), a.GetProperty("detail").GetString()), (b.GetProperty("title").GetString(), b.GetProperty("detail").GetString()));

        // 20 attempts an hour per account (RateLimits:CardClaimsPerHour): the 3 above, 17 more, then 429 even for the right number.
        for (var i = 0; i < 17; i++)
            Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsJsonAsync("/me/cards", new { printedNumber = $"0000 0000 {i:0000}" })).StatusCode);
        var limited = await http.PostAsJsonAsync("/me/cards", new { printedNumber = printed });
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);

        var (other, _) = await host.SignedInCardholder();
        Assert.Equal(HttpStatusCode.Created, (await other.PostAsJsonAsync("/me/cards", new { printedNumber = printed })).StatusCode);
    }

    [Fact]
    public async Task Cards_issued_before_the_lookup_existed_are_indexed_at_start()
    {
        var (card, printed) = await host.CardInHand();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var numbers = host.Services.GetRequiredService<PrintedNumber>();
        await using (var session = store.LightweightSession())
        {
            session.DeleteWhere<PrintedNumberEntry>(e => e.CardId == card.Id);
            await session.SaveChangesAsync();
        }
        var (http, _) = await host.SignedInCardholder();
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsJsonAsync("/me/cards", new { printedNumber = printed })).StatusCode);

        var backfill = new PrintedNumberBackfill(store, numbers, NullLogger<PrintedNumberBackfill>.Instance);
        await backfill.StartAsync(CancellationToken.None);
        await backfill.ExecuteTask!;
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/me/cards", new { printedNumber = printed })).StatusCode);
    }
}
