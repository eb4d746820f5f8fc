using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Domain.Payments;
using NodaTime;

namespace CityPass.IntegrationTests.Payments.Webhooks;

[Collection(CityPassCollection.Name)]
public class WebhookTests(CityPassHost host)
{
    [Fact]
    public async Task The_same_success_delivered_five_times_credits_the_card_once()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 20_00);
        var json = StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 20_00);

        var outcomes = new List<string>();
        for (var i = 0; i < 5; i++)
            outcomes.Add(await (await host.PostStripeEvent(json)).Outcome());

        Assert.All(outcomes, o => Assert.Equal("Applied", o));
        Assert.Equal(20_00, (await http.MyCard(card.Id)).BalanceCents);
        var after = await http.Reload(reload.Id);
        Assert.Equal((ReloadStatus.Credited, 20_00L), (after.Status, after.CreditedCents));
        var loads = (await host.CreateClient().History(card.Id)).Where(l => l.Kind == "loaded").ToList();
        Assert.Equal("sandbox", Assert.Single(loads).Detail);
    }

    [Fact]
    public async Task Racing_duplicates_of_one_success_credit_once()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 30_00);
        var json = StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 30_00);
        var other = StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 30_00); // a second event id saying the same

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => host.PostStripeEvent(i % 2 == 0 ? json : other)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(30_00, (await http.MyCard(card.Id)).BalanceCents);
        Assert.Equal(0, (await http.MyCard(card.Id)).ReservedCents);
    }

    [Fact]
    public async Task A_bad_signature_a_stale_one_or_none_is_refused_and_writes_nothing()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 20_00);
        var json = StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 20_00);
        var rows = await host.RowCount();

        var wrongSecret = await host.PostStripeEvent(json, secret: "whsec_someone_else");
        var stale = await host.PostStripeEvent(json, signedAt: host.Clock.GetCurrentInstant() - Duration.FromMinutes(6));
        var tampered = await host.PostStripeEvent(json.Replace("2000", "9000"),
            Stripe.EventUtility.GenerateSignatureHeader(json, CityPassHost.WebhookSecret, host.Clock.GetCurrentInstant().ToUnixTimeSeconds()));
        var garbage = await host.PostStripeEvent(json, "not-a-signature");
        var missing = await host.CreateClient().PostAsync("/webhooks/stripe", new StringContent(json));

        foreach (var response in new[] { wrongSecret, stale, tampered, garbage, missing })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(rows, await host.RowCount());
        Assert.Equal(0, (await http.MyCard(card.Id)).BalanceCents);
        Assert.Equal(ReloadStatus.AwaitingPayment, (await http.Reload(reload.Id)).Status);
    }

    [Fact]
    public async Task An_event_of_another_API_version_is_refused()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 20_00);
        var pi = JsonSerializer.Deserialize<Dictionary<string, object?>>(
            JsonDocument.Parse(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 20_00)).RootElement.GetProperty("data").GetProperty("object").GetRawText())!;
        var json = StripeEvents.Event("payment_intent.succeeded", null, pi, apiVersion: "2020-08-27");

        var response = await host.PostStripeEvent(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("API version", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await http.MyCard(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task An_unknown_event_type_is_acknowledged_and_changes_nothing()
    {
        var json = StripeEvents.Event("customer.created", null, new Dictionary<string, object?> { ["id"] = "cus_1", ["object"] = "customer" });

        Assert.Equal("Ignored", await (await host.PostStripeEvent(json)).Outcome());
        var again = await host.PostStripeEvent(json);
        Assert.True((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicate").GetBoolean());
    }

    [Fact]
    public async Task A_payment_that_is_not_a_CityPass_reload_is_ignored()
    {
        var json = StripeEvents.Event("payment_intent.succeeded", null, new Dictionary<string, object?>
        {
            ["id"] = "pi_elsewhere", ["object"] = "payment_intent", ["amount"] = 1000, ["amount_received"] = 1000, ["currency"] = "eur",
            ["status"] = "succeeded", ["metadata"] = new Dictionary<string, string>(),
        });

        Assert.Equal("Ignored", await (await host.PostStripeEvent(json)).Outcome());
    }

    [Theory]
    [InlineData(25_00, "eur", ReloadFlag.AmountMismatch)]
    [InlineData(19_99, "eur", ReloadFlag.AmountMismatch)]
    [InlineData(20_00, "usd", ReloadFlag.CurrencyMismatch)]
    public async Task A_confirmed_amount_or_currency_that_differs_is_flagged_for_finance_and_not_credited(long cents, string currency, ReloadFlag flag)
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 20_00);

        await host.PostStripeEvent(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, cents, currency));

        var after = await http.Reload(reload.Id);
        Assert.Equal(ReloadStatus.NeedsReview, after.Status);
        Assert.Equal([flag], after.Flags);
        Assert.Equal((cents, currency), (after.PaidCents!.Value, after.PaidCurrency!));
        var view = await http.MyCard(card.Id);
        Assert.Equal((0L, 0L), (view.BalanceCents, view.ReservedCents));
        var flagged = await (await host.Administrator()).GetFromJsonAsync<List<Host.Payments.Reloading.ReloadView>>("/admin/reloads/flagged", Api.Json);
        Assert.Contains(flagged!, r => r.Id == reload.Id);
    }

    [Fact]
    public async Task A_declined_payment_releases_the_reservation_and_a_later_success_on_the_same_intent_is_still_credited()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 40_00);
        Assert.Equal(40_00, (await http.MyCard(card.Id)).ReservedCents);

        await host.PostStripeEvent(StripeEvents.Failed(reload.PaymentIntentId!, reload.Id, 40_00));
        var failed = await http.Reload(reload.Id);
        Assert.Equal((ReloadStatus.Failed, "Your card was declined."), (failed.Status, failed.FailureReason));
        Assert.Equal(0, (await http.MyCard(card.Id)).ReservedCents);

        await host.PostStripeEvent(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 40_00));
        Assert.Equal(ReloadStatus.Credited, (await http.Reload(reload.Id)).Status);
        Assert.Equal(40_00, (await http.MyCard(card.Id)).BalanceCents);
    }
}
