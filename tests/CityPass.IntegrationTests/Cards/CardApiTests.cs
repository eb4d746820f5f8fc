using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityPass.Host.Cards;
using CityPass.Host.Cards.Loading;
using CityPass.IntegrationTests.Payments;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Cards;

[Collection(CityPassCollection.Name)]
public class CardApiTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    [Fact]
    public async Task An_issued_card_can_be_read_by_id_and_by_uid()
    {
        var uid = Given.NewUid();
        var response = await _http.PostAsJsonAsync("/cards", new { uid = uid.ToLowerInvariant() });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var card = (await response.Content.ReadFromJsonAsync<CardView>(Api.Json))!;
        Assert.Equal($"/cards/{card.Id}", response.Headers.Location!.OriginalString);
        Assert.Equal((uid, 0L, "Active"), (card.Uid, card.BalanceCents, card.Status.ToString()));
        Assert.Equivalent(card, await _http.Card(card.Id), strict: true);
        Assert.Equivalent(card, await _http.GetFromJsonAsync<CardView>($"/cards/by-uid/{uid}", Api.Json), strict: true);
        Assert.Equal("issued", Assert.Single(await _http.History(card.Id)).Kind);
    }

    [Fact]
    public async Task A_uid_is_issued_only_once_whatever_reader_format_it_comes_in()
    {
        var card = await _http.IssuedCard();
        var rows = await host.RowCount();
        var sameUidOtherFormat = string.Join(':', card.Uid.Chunk(2).Select(c => new string(c))).ToLowerInvariant();

        var response = await _http.PostAsJsonAsync("/cards", new { uid = sameUidOtherFormat });

        var problem = await AssertProblem(response, HttpStatusCode.Conflict);
        Assert.Equal(card.Id, problem.GetProperty("cardId").GetGuid());
        Assert.Equal(rows, await host.RowCount());
    }

    [Fact]
    public async Task Racing_issuers_of_one_uid_get_one_card()
    {
        var uid = Given.NewUid();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _http.PostAsJsonAsync("/cards", new { uid })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
    }

    public static TheoryData<string, string, string?, HttpStatusCode> BadRequests => new()
    {
        { "/cards", """{"uid":"not-hex"}""", null, HttpStatusCode.BadRequest },
        { "/cards", """{"uid":"04A22B"}""", null, HttpStatusCode.BadRequest },
        { "/cards", """{}""", null, HttpStatusCode.BadRequest },
        { "/cards", """{"uid":""", null, HttpStatusCode.BadRequest },
        { "/cards", """["04A22B1C"]""", null, HttpStatusCode.BadRequest },
        { "/cards/{card}/loads", """{"amountCents":500}""", null, HttpStatusCode.BadRequest },
        { "/cards/{card}/loads", """{"amountCents":0}""", "k", HttpStatusCode.BadRequest },
        { "/cards/{card}/loads", """{"amountCents":-500}""", "k", HttpStatusCode.BadRequest },
        { "/cards/{card}/loads", """{"amountCents":10001}""", "k", HttpStatusCode.BadRequest },
        { "/cards/{card}/loads", """{"amountCents":"ten euros"}""", "k", HttpStatusCode.BadRequest },
        { "/cards/{card}/loads", """{"amountCents":1.5}""", "k", HttpStatusCode.BadRequest },
        { "/cards/{card}/loads", """{}""", "k", HttpStatusCode.BadRequest },
        { "/cards/{unknown}/loads", """{"amountCents":500}""", "k", HttpStatusCode.NotFound },
        { "/cards/{card}/block", """{"reason":""}""", null, HttpStatusCode.BadRequest },
        { "/cards/{unknown}/block", """{"reason":"lost"}""", null, HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_gets_a_problem_and_writes_nothing(string path, string body, string? idempotencyKey, HttpStatusCode expected)
    {
        var card = await _http.CardWithBalance(10_00);
        var rows = await host.RowCount();
        var request = new HttpRequestMessage(HttpMethod.Post, path.Replace("{card}", card.Id.ToString()).Replace("{unknown}", Guid.NewGuid().ToString()))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", $"{idempotencyKey}-{Guid.NewGuid()}");

        await AssertProblem(await _http.SendAsync(request), expected);

        Assert.Equal(rows, await host.RowCount());
        Assert.Equal(10_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_load_repeated_with_its_idempotency_key_is_applied_once_and_answers_alike()
    {
        var card = await _http.IssuedCard();
        var key = Guid.NewGuid().ToString();

        var first = await _http.SendAsync(Api.LoadRequest(card.Id, 20_00, key));
        var repeats = new[] { await _http.SendAsync(Api.LoadRequest(card.Id, 20_00, key)), await _http.SendAsync(Api.LoadRequest(card.Id, 20_00, key)) };

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var receipt = (await first.Content.ReadFromJsonAsync<LoadReceipt>(Api.Json))!;
        Assert.Equal((20_00L, 20_00L, key), (receipt.AmountCents, receipt.BalanceCents, receipt.IdempotencyKey));
        foreach (var repeat in repeats)
        {
            Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
            Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(receipt, await repeat.Content.ReadFromJsonAsync<LoadReceipt>(Api.Json));
        }
        Assert.Equal(20_00, (await _http.Card(card.Id)).BalanceCents);
        Assert.Single(await _http.History(card.Id), l => l.Kind == "loaded");
    }

    [Fact]
    public async Task Racing_repeats_of_one_load_credit_once()
    {
        var card = await _http.IssuedCard();
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _http.SendAsync(Api.LoadRequest(card.Id, 7_00, key))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Equal(7_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task An_idempotency_key_reused_for_another_load_is_refused()
    {
        var card = await _http.IssuedCard();
        var key = Guid.NewGuid().ToString();
        await _http.Load(card.Id, 5_00, key);
        var rows = await host.RowCount();

        await AssertProblem(await _http.SendAsync(Api.LoadRequest(card.Id, 6_00, key)), HttpStatusCode.UnprocessableEntity);

        Assert.Equal(rows, await host.RowCount());
        Assert.Equal(5_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_load_over_the_stored_value_ceiling_is_refused()
    {
        var card = await _http.CardWithBalance(100_00);
        await _http.Load(card.Id, 50_00, Guid.NewGuid().ToString()); // exactly the 150 EUR ceiling
        var rows = await host.RowCount();

        var response = await _http.SendAsync(Api.LoadRequest(card.Id, 1, Guid.NewGuid().ToString()));

        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("ceiling", problem.GetProperty("detail").GetString());
        Assert.Equal(rows, await host.RowCount());
    }

    [Fact]
    public async Task History_pages_newest_first()
    {
        var card = await _http.IssuedCard();
        for (var i = 1; i <= 5; i++)
            await _http.Load(card.Id, i * 1_00, Guid.NewGuid().ToString());

        var first = (await _http.GetFromJsonAsync<Host.Cards.Reading.CardHistoryPage>($"/cards/{card.Id}/history?limit=4", Api.Json))!;
        var second = (await _http.GetFromJsonAsync<Host.Cards.Reading.CardHistoryPage>($"/cards/{card.Id}/history?limit=4&before={first.NextBefore}", Api.Json))!;

        Assert.Equal(new long[] { 6, 5, 4, 3 }, first.Lines.Select(l => l.Version));
        Assert.Equal(new long?[] { 15_00, 10_00, 6_00, 3_00 }, first.Lines.Select(l => l.BalanceCents));
        Assert.Equal(new long[] { 2, 1 }, second.Lines.Select(l => l.Version));
        Assert.Null(second.NextBefore);
    }

    /// <summary>
    /// The statement is read from the card's stream: events that make no line (a reload's reservation and its release) are
    /// skipped by the query itself, so a page still holds <c>limit</c> lines and the next page starts where it stopped.
    /// </summary>
    [Fact]
    public async Task History_pages_are_full_pages_of_lines_past_events_that_make_none()
    {
        var card = await _http.IssuedCard();
        var store = host.Services.GetRequiredService<Marten.IDocumentStore>();
        for (var i = 1; i <= 3; i++)
        {
            await using (var session = store.LightweightSession())
            {
                var reload = Guid.NewGuid();
                session.Events.Append(card.Id, new CityPass.Domain.Cards.ReloadReserved(card.Id, reload, new(5_00), host.Clock.GetCurrentInstant()),
                    new CityPass.Domain.Cards.ReloadReservationReleased(card.Id, reload, "bench", host.Clock.GetCurrentInstant()));
                await session.SaveChangesAsync();
            }
            await _http.Load(card.Id, i * 1_00, Guid.NewGuid().ToString());
        }

        var first = (await _http.GetFromJsonAsync<Host.Cards.Reading.CardHistoryPage>($"/cards/{card.Id}/history?limit=2", Api.Json))!;
        var second = (await _http.GetFromJsonAsync<Host.Cards.Reading.CardHistoryPage>($"/cards/{card.Id}/history?limit=2&before={first.NextBefore}", Api.Json))!;

        // Versions: 1 issued, then (reserved, released, loaded) three times: the loads are 4, 7 and 10.
        Assert.Equal(new long[] { 10, 7 }, first.Lines.Select(l => l.Version));
        Assert.Equal(7, first.NextBefore);
        Assert.Equal(new long[] { 4, 1 }, second.Lines.Select(l => l.Version));
        Assert.Equal(new[] { "loaded", "issued" }, second.Lines.Select(l => l.Kind));
        Assert.Null(second.NextBefore);
        Assert.Equal(6_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task Blocking_and_unblocking_are_recorded_once_each()
    {
        var card = await _http.IssuedCard();

        var blocked = await (await _http.PostAsJsonAsync($"/cards/{card.Id}/block", new { reason = "lost" })).Content.ReadFromJsonAsync<CardView>(Api.Json);
        var again = await (await _http.PostAsJsonAsync($"/cards/{card.Id}/block", new { reason = "stolen" })).Content.ReadFromJsonAsync<CardView>(Api.Json);
        var unblocked = await (await _http.PostAsJsonAsync($"/cards/{card.Id}/unblock", new { reason = "found" })).Content.ReadFromJsonAsync<CardView>(Api.Json);

        Assert.Equal(("Blocked", "lost"), (blocked!.Status.ToString(), blocked.BlockReason));
        Assert.Equal(("Blocked", "lost"), (again!.Status.ToString(), again.BlockReason));
        Assert.Equal("Active", unblocked!.Status.ToString());
        Assert.Equal(new[] { "unblocked", "blocked", "issued" }, (await _http.History(card.Id)).Select(l => l.Kind));
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }
}
