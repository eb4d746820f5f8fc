using System.Net;
using System.Net.Http.Json;
using CityPass.Domain.Payments;
using CityPass.Host.Payments.Reloading;
using NodaTime;

namespace CityPass.IntegrationTests.Payments;

/// <summary>A host of its own: these tests move its clock days ahead, which the shared host's dated products would not survive.</summary>
[CollectionDefinition(Name)]
public sealed class ReloadExpiryCollection : ICollectionFixture<CityPassHost>
{
    public const string Name = "CityPass host whose clock the reloads' expiry moves ahead";
}

/// <summary>Reloads left unpaid expire (default 24 h) or are canceled by their holder; a payment that still comes is never lost.</summary>
[Collection(ReloadExpiryCollection.Name)]
public class ReloadExpiryTests(CityPassHost host)
{
    private static FormUrlEncodedContent Pay(string? clientSecret, string cardNumber = "4242424242424242") =>
        new(new Dictionary<string, string> { ["client_secret"] = clientSecret ?? "", ["card_number"] = cardNumber });

    [Fact]
    public async Task An_unpaid_reload_expires_after_24_hours_its_payment_is_canceled_and_its_reservation_released()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 20_00);

        host.Clock.Advance(Duration.FromHours(23));
        await host.ExpireUnpaidReloads();
        Assert.Equal(ReloadStatus.AwaitingPayment, (await http.Reload(reload.Id)).Status);
        Assert.Equal(20_00, (await http.MyCard(card.Id)).ReservedCents);

        host.Clock.Advance(Duration.FromHours(1));
        Assert.True(await host.ExpireUnpaidReloads() >= 1);

        var expired = await http.Reload(reload.Id);
        Assert.Equal((ReloadStatus.Canceled, "expired"), (expired.Status, expired.FailureReason));
        Assert.Null(expired.ClientSecret);
        Assert.Equal(0, (await http.MyCard(card.Id)).ReservedCents);
        var page = await host.CreateClient().PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Pay(reload.ClientSecret));
        Assert.Contains("annulé", await page.Content.ReadAsStringAsync());
        Assert.Equal(0, (await http.MyCard(card.Id)).BalanceCents);
        Assert.Equal(0, await host.ExpireUnpaidReloads());
    }

    [Fact]
    public async Task A_payment_that_succeeds_after_the_expiry_is_credited_and_past_the_ceiling_reaches_finances_list()
    {
        var (http, _, card) = await host.CardholderWithCard(100_00);
        var reload = await http.StartedReload(card.Id, 40_00);
        host.Clock.Advance(Duration.FromHours(25));
        await host.ExpireUnpaidReloads();
        await host.CreateClient().Load(card.Id, 30_00, Guid.NewGuid().ToString()); // the released room is used meanwhile

        var late = await host.PostStripeEvent(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 40_00));

        Assert.Equal("Applied", await late.Outcome());
        Assert.Equal(170_00, (await http.MyCard(card.Id)).BalanceCents);
        var credited = await http.Reload(reload.Id);
        Assert.Equal((ReloadStatus.Credited, 40_00L), (credited.Status, credited.CreditedCents));
        Assert.Contains(ReloadFlag.OverCeiling, credited.Flags);
        var finance = await host.Finance();
        var list = await finance.GetFromJsonAsync<FlaggedPayments>("/finance/reloads/flagged", Api.Json);
        Assert.Contains(list!.Reloads, r => r.Id == reload.Id);
        var adminList = await finance.GetFromJsonAsync<List<ReloadView>>("/admin/reloads/flagged", Api.Json);
        Assert.Contains(adminList!, r => r.Id == reload.Id);
    }

    [Fact]
    public async Task The_holder_cancels_an_unpaid_reload_but_not_a_paid_one_nor_anothers()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var unpaid = await http.StartedReload(card.Id, 20_00);
        var paid = await http.StartedReload(card.Id, 10_00);
        await host.CreateClient().PostAsync($"/sandbox/checkout/{paid.PaymentIntentId}", Pay(paid.ClientSecret));
        var (stranger, _) = await host.SignedInCardholder();

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/me/reloads/{unpaid.Id}/cancel", null)).StatusCode);
        var canceled = await http.PostAsync($"/me/reloads/{unpaid.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        Assert.Equal(ReloadStatus.Canceled, (await canceled.Content.ReadFromJsonAsync<ReloadView>(Api.Json))!.Status);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/me/reloads/{unpaid.Id}/cancel", null)).StatusCode);
        var refused = await http.PostAsync($"/me/reloads/{paid.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        var mine = await http.MyCard(card.Id);
        Assert.Equal((10_00L, 0L), (mine.BalanceCents, mine.ReservedCents));
        Assert.Equal(ReloadStatus.Credited, (await http.Reload(paid.Id)).Status);
    }

    [Fact]
    public async Task A_payment_for_a_reload_that_does_not_exist_is_flagged_for_finance_once()
    {
        var ghost = Guid.NewGuid();
        var paymentIntentId = "pi_unrequested_" + Guid.NewGuid().ToString("N")[..12];

        Assert.Equal("Flagged", await (await host.PostStripeEvent(StripeEvents.Succeeded(paymentIntentId, ghost, 25_00))).Outcome());
        Assert.Equal("Flagged", await (await host.PostStripeEvent(StripeEvents.Succeeded(paymentIntentId, ghost, 25_00))).Outcome());
        var failedElsewhere = StripeEvents.Failed("pi_other_" + ghost.ToString("N"), Guid.NewGuid(), 10_00);
        Assert.Equal("Ignored", await (await host.PostStripeEvent(failedElsewhere)).Outcome());

        var list = await (await host.Finance()).GetFromJsonAsync<FlaggedPayments>("/finance/reloads/flagged", Api.Json);
        var payment = Assert.Single(list!.Unrequested, p => p.Id == paymentIntentId);
        Assert.Equal((ghost, 25_00L, "eur"), (payment.ReloadId, payment.AmountCents, payment.Currency));
        var (holder, _) = await host.SignedInCardholder();
        Assert.Equal(HttpStatusCode.Forbidden, (await holder.GetAsync("/finance/reloads/flagged")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await holder.GetAsync("/admin/reloads/flagged")).StatusCode);
    }
}
