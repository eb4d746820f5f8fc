using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Cards;
using MassTransit;
using NodaTime;

namespace CityPass.IntegrationTests.Payments.Webhooks;

[Collection(CityPassCollection.Name)]
public class RefundTests(CityPassHost host)
{
    private static long _sequence;

    /// <summary>A tap at the test city's library (1.00 from stored value).</summary>
    private async Task<object> Tap(string uid)
    {
        var tap = await host.Terminals.Tap("library-refunds-gate", Interlocked.Increment(ref _sequence), uid, TestCity.Library, host.Clock.GetCurrentInstant());
        return await host.Decide(tap);
    }

    [Fact]
    public async Task A_refund_of_unspent_value_takes_it_back_from_the_balance()
    {
        var (http, _, card) = await host.CardholderWithCard(10_00);
        var reload = await http.StartedReload(card.Id, 20_00);
        await host.PostStripeEvent(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 20_00));

        await host.PostStripeEvent(StripeEvents.Refunded(reload.PaymentIntentId!, 20_00, 8_00));
        await host.PostStripeEvent(StripeEvents.Refunded(reload.PaymentIntentId!, 20_00, 8_00));

        var view = await http.MyCard(card.Id);
        Assert.Equal((22_00L, 0L, CardStatus.Active), (view.BalanceCents, view.DebtCents, view.Status));
        Assert.Equal(8_00, (await http.Reload(reload.Id)).TakenBackCents);
    }

    [Fact]
    public async Task A_refund_after_the_value_was_spent_records_a_debt_blocks_the_card_and_a_reload_settles_it()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 20_00);
        await host.PostStripeEvent(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 20_00));
        var spend = new HttpRequestMessage(HttpMethod.Post, $"/cards/{card.Id}/purchases") { Content = JsonContent.Create(new { productId = TestCity.ShowTomorrow }) };
        spend.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.True((await host.CreateClient().SendAsync(spend)).IsSuccessStatusCode); // 12.00 spent on a ticket

        await host.PostStripeEvent(StripeEvents.Refunded(reload.PaymentIntentId!, 20_00, 20_00));

        var blocked = await http.MyCard(card.Id);
        Assert.Equal((0L, 12_00L, CardStatus.Blocked, "debt"), (blocked.BalanceCents, blocked.DebtCents, blocked.Status, blocked.BlockReason));
        var taken = await http.Reload(reload.Id);
        Assert.Equal(20_00, taken.TakenBackCents);
        var declined = Assert.IsType<TapDeclined>(await Tap(card.Uid));
        Assert.Equal(TapDeclineReason.CardBlocked, declined.Reason);
        var history = await http.GetFromJsonAsync<Host.Cards.Reading.CardHistoryPage>($"/me/cards/{card.Id}/history", Api.Json);
        Assert.Contains(history!.Lines, l => l.Kind == "debt" && l.AmountCents == -12_00);
        Assert.Contains(history.Lines, l => l.Kind == "reclaimed" && l.AmountCents == -8_00);

        // The cardholder reloads: the debt is paid first, then the card is back in service.
        var settle = await http.StartedReload(card.Id, 20_00);
        await host.PostStripeEvent(StripeEvents.Succeeded(settle.PaymentIntentId!, settle.Id, 20_00));

        var settled = await http.MyCard(card.Id);
        Assert.Equal((8_00L, 0L, CardStatus.Active), (settled.BalanceCents, settled.DebtCents, settled.Status));
        Assert.IsType<TapAuthorized>(await Tap(card.Uid));
    }

    [Fact]
    public async Task A_won_dispute_takes_nothing_back_and_a_lost_one_does()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var won = await http.StartedReload(card.Id, 10_00);
        var lost = await http.StartedReload(card.Id, 10_00);
        await host.PostStripeEvent(StripeEvents.Succeeded(won.PaymentIntentId!, won.Id, 10_00));
        await host.PostStripeEvent(StripeEvents.Succeeded(lost.PaymentIntentId!, lost.Id, 10_00));

        await host.PostStripeEvent(StripeEvents.Dispute("charge.dispute.created", won.PaymentIntentId!, "dp_won", 10_00, "needs_response"));
        await host.PostStripeEvent(StripeEvents.Dispute("charge.dispute.closed", won.PaymentIntentId!, "dp_won", 10_00, "won"));
        await host.PostStripeEvent(StripeEvents.Dispute("charge.dispute.closed", lost.PaymentIntentId!, "dp_lost", 10_00, "lost"));

        Assert.Equal(10_00, (await http.MyCard(card.Id)).BalanceCents);
        Assert.Equal("won", Assert.Single((await http.Reload(won.Id)).Disputes).Status);
        Assert.Equal(10_00, (await http.Reload(lost.Id)).TakenBackCents);
    }
}
