using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using CityPass.Domain.Cards;
using CityPass.Host.Accounts;
using CityPass.Host.Cardholders;
using CityPass.Host.Cards;
using CityPass.Host.Privacy;
using CityPass.IntegrationTests.Payments;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Cardholders;

/// <summary>Linking cards, closing accounts, erasure, export, pseudonymisation, and who may do what.</summary>
[Collection(CityPassCollection.Name)]
public class AccountsAndPrivacyTests(CityPassHost host)
{
    [Fact]
    public async Task A_cardholder_claims_a_card_with_its_printed_number_and_an_unlinked_card_keeps_working_anonymously()
    {
        var (http, _) = await host.SignedInCardholder();
        var (card, printed) = await host.CardInHand(10_00);

        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsJsonAsync("/me/cards", new { uid = card.Uid, printedNumber = "1234 5678 9012" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/me/cards", new { uid = card.Uid, printedNumber = printed })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/me/cards", new { uid = card.Uid, printedNumber = printed })).StatusCode);
        var (other, _) = await host.SignedInCardholder();
        Assert.Equal(HttpStatusCode.Conflict, (await other.PostAsJsonAsync("/me/cards", new { uid = card.Uid, printedNumber = printed })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/me/cards", new { uid = "zz" , printedNumber = printed })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/me/cards/{card.Id}")).StatusCode);
        Assert.Empty((await http.GetFromJsonAsync<List<CardView>>("/me/cards", Api.Json))!);
        Assert.IsType<CityPass.Contracts.Terminals.TapAuthorized>(await host.Tap(card.Uid, TestCity.Library));
        Assert.Equal(9_00, (await host.CreateClient().Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task Every_me_endpoint_answers_404_for_another_cardholders_card()
    {
        var (owner, _, card) = await host.CardholderWithCard(20_00);
        var (intruder, _) = await host.SignedInCardholder();
        var (spare, printed) = await host.CardInHand();
        var reload = await owner.StartedReload(card.Id, 10_00);

        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/me/cards/{card.Id}", null),
            (HttpMethod.Get, $"/me/cards/{card.Id}/history", null),
            (HttpMethod.Get, $"/me/cards/{card.Id}/reloads", null),
            (HttpMethod.Post, $"/me/cards/{card.Id}/reloads", new { amountCents = 10_00 }),
            (HttpMethod.Get, $"/me/reloads/{reload.Id}", null),
            (HttpMethod.Delete, $"/me/cards/{card.Id}", null),
            (HttpMethod.Post, $"/me/cards/{card.Id}/lost", new { reason = "stolen", replacement = new { uid = spare.Uid, printedNumber = printed } }),
            (HttpMethod.Post, $"/me/cards/{card.Id}/replacement", new { uid = spare.Uid, printedNumber = printed }),
            (HttpMethod.Get, $"/me/cards/{card.Id}/replacement", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            var response = await intruder.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered {response.StatusCode} to another cardholder");
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().SendAsync(new HttpRequestMessage(method, path))).StatusCode);
        }

        // The intruder's own views show nothing of it, and the card is untouched.
        Assert.Empty((await intruder.GetFromJsonAsync<List<CardView>>("/me/cards", Api.Json))!);
        Assert.DoesNotContain(card.Id.ToString(), await intruder.GetStringAsync("/me/export"));
        var mine = await owner.MyCard(card.Id);
        Assert.Equal((CardStatus.Active, 20_00L), (mine.Status, mine.BalanceCents));
    }

    [Fact]
    public async Task Administrator_and_finance_are_separate_roles()
    {
        var admin = await host.Administrator();
        var (cardholder, _) = await host.SignedInCardholder();
        var (financeUser, financeEmail) = await host.SignedInCardholder();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<CardholderUser>>();
            var user = (await users.FindByEmailAsync(financeEmail))!;
            await users.AddClaimAsync(user, new Claim(ClaimTypes.Role, "finance"));
        }
        var finance = await host.SignedIn(financeEmail, Payments.Cardholders.Password);
        var card = await admin.IssuedCard();

        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync("/finance/refund-orders")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await cardholder.GetAsync("/finance/refund-orders")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await finance.GetAsync("/finance/refund-orders")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await finance.GetAsync($"/admin/cards/{card.Id}/printed-number")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/admin/cards/{card.Id}/printed-number")).StatusCode);
        _ = financeUser;
    }

    [Fact]
    public async Task Erasure_shreds_the_persons_data_and_leaves_the_ledger_intact()
    {
        var (http, email, card) = await host.CardholderWithCard(33_00);
        var admin = host.CreateClient();
        await admin.GrantConcession(card.Id, "sortir-85", "CAF attestation 2026-777");
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync("/me/profile", new { name = "Jeanne Martin", address = "3 rue de la Soif, Rennes", phone = "+33 6 00 00 00 00" })).StatusCode);
        Assert.IsType<CityPass.Contracts.Terminals.TapAuthorized>(await host.Tap(card.Uid, TestCity.Museum));

        var export = await http.GetStringAsync("/me/export");
        Assert.Contains("Jeanne Martin", export);
        Assert.Contains(email, export);
        Assert.Contains(card.Id.ToString(), export);
        Assert.Contains(TestCity.Museum, export);
        Assert.Contains("CAF attestation 2026-777", export); // the holder reads their evidence reference
        await using (var events = host.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession())
        {
            var granted = (await events.Events.FetchStreamAsync(card.Id)).Select(e => e.Data).OfType<CityPass.Domain.Cards.ConcessionGranted>().Single();
            Assert.StartsWith(PersonalDataVault.Prefix, granted.Grant.Evidence); // the ledger holds it sealed with the card's key
        }
        var accountId = JsonDocument.Parse(export).RootElement.GetProperty("accountId").GetString()!;
        await using (var before = host.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession())
            Assert.NotNull(await before.LoadAsync<SubjectKey>(Subjects.Account(accountId)));
        var balances = await host.SumOfAllBalances();
        var cardBefore = await admin.Card(card.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync("/me/erasure", null)).StatusCode);

        Assert.Equal(balances, await host.SumOfAllBalances());
        var cardAfter = await admin.Card(card.Id);
        Assert.Equal((cardBefore.BalanceCents, cardBefore.Rights.Count, cardBefore.Concessions.Count), (cardAfter.BalanceCents, cardAfter.Rights.Count, cardAfter.Concessions.Count));
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().PostAsJsonAsync("/account/login", new { email, password = Payments.Cardholders.Password })).StatusCode);
        await using var session = host.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession();
        Assert.Null(await session.LoadAsync<SubjectKey>(Subjects.Account(accountId)));
        Assert.Null(await session.LoadAsync<PersonalRecord>(accountId));
        var record = await Marten.QueryableExtensions.ToListAsync(session.Query<PersonalRecord>());
        Assert.DoesNotContain(record, r => r.Sealed.Contains("Jeanne", StringComparison.Ordinal));
        Assert.Null(await session.LoadAsync<CardOwnership>(card.Id));
        Assert.Null(await session.LoadAsync<SubjectKey>(Subjects.Card(card.Id))); // the evidence in the events can no longer be read
        Assert.IsType<CityPass.Contracts.Terminals.TapAuthorized>(await host.Tap(card.Uid, TestCity.Museum)); // anonymous now, still working
    }

    [Fact]
    public async Task Closing_an_account_refunds_the_balances_by_bank_transfer_and_blocks_the_cards()
    {
        var (http, email, card) = await host.CardholderWithCard(42_00);
        var (second, printed) = await host.CardInHand(8_00);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/me/cards", new { uid = second.Uid, printedNumber = printed })).StatusCode);
        var balances = await host.SumOfAllBalances();

        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/me/account/close", new { iban = "FR00 1234", accountHolder = "J. Martin" })).StatusCode);
        var closed = await http.PostAsJsonAsync("/me/account/close", new { iban = "FR76 3000 6000 0112 3456 7890 189", accountHolder = "Jeanne Martin" });
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);

        Assert.Equal(50_00, (await closed.Json()).GetProperty("refundedCents").GetInt64());
        Assert.Equal(balances - 50_00, await host.SumOfAllBalances());
        var admin = host.CreateClient();
        foreach (var id in new[] { card.Id, second.Id })
        {
            var view = await admin.Card(id);
            Assert.Equal((CardStatus.Blocked, "account closed", 0L), (view.Status, view.BlockReason, view.BalanceCents));
            Assert.Contains(await admin.History(id), l => l.Kind == "refunded");
        }
        await using var session = host.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession();
        var orders = await Marten.QueryableExtensions.ToListAsync(session.Query<CityPass.Host.Cardholders.Closing.RefundOrder>().Where(o => o.CardId == card.Id || o.CardId == second.Id));
        Assert.Equal(50_00, orders.Sum(o => o.AmountCents));
        Assert.All(orders, o => Assert.DoesNotContain("3000 6000", o.SealedBankDetails, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().PostAsJsonAsync("/account/login", new { email, password = Payments.Cardholders.Password })).StatusCode);
    }

    [Fact]
    public async Task Visits_are_pseudonymised_after_the_retention_period_and_the_holder_keeps_venue_fare_and_day()
    {
        var (http, _, card) = await host.CardholderWithCard(20_00);
        Assert.IsType<CityPass.Contracts.Terminals.TapAuthorized>(await host.Tap(card.Uid, TestCity.Parking));
        var was = host.Clock.GetCurrentInstant();
        try
        {
            await PseudonymisedAfterRetention(http, card);
        }
        finally
        {
            host.Clock.Reset(was); // the other tests of the collection share the clock
        }
    }

    /// <summary>
    /// The statement is read from the card's events and pseudonymised as it is read: no pass, no rewrite. The event keeps
    /// the terminal and the moment (the financial record, docs/privacy.md), the holder, the desk and the export see the day.
    /// </summary>
    private async Task PseudonymisedAfterRetention(HttpClient http, CardView card)
    {
        host.Clock.Advance(Duration.FromHours(47));
        var fresh = (await MyHistory(http, card.Id)).Single(l => l.Kind == "charged");
        Assert.False(fresh.Pseudonymised);
        Assert.Equal($"{TestCity.Parking}-cardholders", fresh.TerminalId);
        Assert.Contains("tap #", fresh.Detail);

        host.Clock.Advance(Duration.FromHours(2));
        var line = (await MyHistory(http, card.Id)).Single(l => l.Kind == "charged");
        Assert.True(line.Pseudonymised);
        Assert.Null(line.TerminalId);
        Assert.DoesNotContain("tap #", line.Detail);
        Assert.Equal((TestCity.Parking, -2_50L, fresh.Id, fresh.Version), (line.VenueId, line.AmountCents, line.Id, line.Version));
        Assert.Equal(LocalTime.Midnight, line.At.InZone(DateTimeZoneProviders.Tzdb["Europe/Paris"]).TimeOfDay);
        Assert.Equal(line, (await host.CreateClient().History(card.Id)).Single(l => l.Kind == "charged")); // staff see no more
        var export = await http.GetFromJsonAsync<JsonElement>("/me/export", Api.Json);
        var exported = export.GetProperty("history").GetProperty(card.Id.ToString()).EnumerateArray().Single(l => l.GetProperty("kind").GetString() == "charged");
        Assert.True(exported.GetProperty("pseudonymised").GetBoolean());
        Assert.Equal(JsonValueKind.Null, exported.GetProperty("terminalId").ValueKind);
        Assert.Equal(17_50, (await http.MyCard(card.Id)).BalanceCents);

        // The event itself is the financial record: unchanged.
        await using var query = host.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession();
        var charged = (await query.Events.FetchStreamAsync(card.Id)).Select(e => e.Data).OfType<FareCharged>().Single();
        Assert.Equal($"{TestCity.Parking}-cardholders", charged.TerminalId);
    }

    private static async Task<IReadOnlyList<CardHistoryLine>> MyHistory(HttpClient http, Guid cardId) =>
        (await http.GetFromJsonAsync<CityPass.Host.Cards.Reading.CardHistoryPage>($"/me/cards/{cardId}/history", Api.Json))!.Lines;
}
