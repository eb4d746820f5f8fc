using System.Net.Http.Json;
using CityPass.Domain.Finance;
using CityPass.IntegrationTests.Payments;

namespace CityPass.IntegrationTests.Finance.Postings;

[Collection(CityPassCollection.Name)]
public class LedgerTests(CityPassHost host)
{
    [Fact]
    public async Task Every_movement_posts_balanced_entries_and_the_liability_equals_the_sum_of_card_balances()
    {
        var before = await host.TrialBalance();
        var admin = host.CreateClient();

        // An administrator's credit, fares at two venues, a carnet bought with stored value…
        var card = await admin.CardWithBalance(50_00);
        await host.Tap(card.Uid, TestCity.Pool);
        await host.Tap(card.Uid, TestCity.Library);
        var purchase = new HttpRequestMessage(HttpMethod.Post, $"/cards/{card.Id}/purchases") { Content = JsonContent.Create(new { productId = "swim-10" }) };
        purchase.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.True((await admin.SendAsync(purchase)).IsSuccessStatusCode);

        // …an online reload, spent, then refunded (a debt), then settled by the next reload.
        var (holder, _, online) = await host.CardholderWithCard();
        var reload = await holder.StartedReload(online.Id, 20_00);
        await host.PostStripeEvent(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 20_00));
        await host.Tap(online.Uid, TestCity.Pool);
        await host.PostStripeEvent(StripeEvents.Refunded(reload.PaymentIntentId!, 20_00, 20_00));
        var settle = await holder.StartedReload(online.Id, 10_00);
        await host.PostStripeEvent(StripeEvents.Succeeded(settle.PaymentIntentId!, settle.Id, 10_00));

        var after = await host.TrialBalance();
        Assert.True(after.LedgerUpToDate);
        Assert.Equal(0, after.TotalCents);
        Assert.Equal(after.CardBalancesCents, after.StoredValueLiabilityCents);
        Assert.Equal(after.CardDebtsCents, after.CardDebtsLedgerCents);
        Assert.True(after.Balanced);

        long Change(string account) =>
            (after.Accounts.SingleOrDefault(a => a.Account == account)?.BalanceCents ?? 0)
            - (before.Accounts.SingleOrDefault(a => a.Account == account)?.BalanceCents ?? 0);
        // Owed to the city: 3.50 + 1.00 + 30.00 (the carnet) + 3.50, as credits.
        Assert.Equal(-(3_50 + 1_00 + 30_00 + 3_50), Change(LedgerAccounts.OwedTo("city")));
        Assert.Equal(50_00, Change(LedgerAccounts.SchemeFunded)); // the administrator's credit, funded by the scheme
        Assert.Equal(20_00 + 10_00, Change(LedgerAccounts.Clearing("sandbox")));
        // The refund: 16.50 reclaimed from the balance and 3.50 already spent (a debt), both now payable back through Stripe.
        Assert.Equal(-20_00, Change(LedgerAccounts.RefundsPayable));
        Assert.Equal(0, Change(LedgerAccounts.CardDebts)); // recorded, then settled by the second reload
    }
}
