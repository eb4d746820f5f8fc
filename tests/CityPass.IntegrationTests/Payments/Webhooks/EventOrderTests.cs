using CityPass.Domain.Payments;
using CityPass.Host.Payments.Reloading;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Payments.Webhooks;

/// <summary>Stripe guarantees neither order nor single delivery: every order of a reload's events ends in the same place.</summary>
[Collection(CityPassCollection.Name)]
public class EventOrderTests(CityPassHost host)
{
    private static IEnumerable<IReadOnlyList<T>> Permutations<T>(IReadOnlyList<T> items) =>
        items.Count <= 1
            ? [items]
            : items.SelectMany((item, i) => Permutations(items.Where((_, j) => j != i).ToList()).Select(rest => (IReadOnlyList<T>)[item, .. rest]));

    [Fact]
    public async Task A_success_a_partial_refund_and_a_lost_dispute_in_every_order_and_twice_each_end_the_same()
    {
        var kinds = new[] { "succeeded", "refunded", "dispute-created", "dispute-lost" };
        foreach (var order in Permutations(kinds))
        {
            var (http, _, card) = await host.CardholderWithCard();
            var reload = await http.StartedReload(card.Id, 20_00);
            var pi = reload.PaymentIntentId!;
            var events = new Dictionary<string, string>
            {
                ["succeeded"] = StripeEvents.Succeeded(pi, reload.Id, 20_00),
                ["refunded"] = StripeEvents.Refunded(pi, 20_00, 5_00),
                ["dispute-created"] = StripeEvents.Dispute("charge.dispute.created", pi, "dp_" + pi, 15_00, "needs_response"),
                ["dispute-lost"] = StripeEvents.Dispute("charge.dispute.closed", pi, "dp_" + pi, 15_00, "lost"),
            };

            foreach (var kind in order.Concat(order.Reverse()))
                await (await host.PostStripeEvent(events[kind])).Outcome();

            var label = string.Join(" > ", order);
            var after = await http.Reload(reload.Id);
            Assert.True(after.Status == ReloadStatus.Credited, label);
            Assert.True((20_00L, 5_00L, 20_00L) == (after.CreditedCents, after.RefundedCents, after.TakenBackCents), $"{label}: {after}");
            var view = await http.MyCard(card.Id);
            Assert.True((0L, 0L, 0L) == (view.BalanceCents, view.DebtCents, view.ReservedCents), $"{label}: {view}");
            var history = await host.CreateClient().History(card.Id);
            Assert.Single(history, l => l.Kind == "loaded");
        }
    }

    [Fact]
    public async Task Failure_cancellation_and_success_in_any_order_credit_only_a_success()
    {
        foreach (var order in Permutations(["failed", "succeeded"]))
        {
            var (http, _, card) = await host.CardholderWithCard();
            var reload = await http.StartedReload(card.Id, 15_00);
            var events = new Dictionary<string, string>
            {
                ["failed"] = StripeEvents.Failed(reload.PaymentIntentId!, reload.Id, 15_00),
                ["succeeded"] = StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 15_00),
            };
            foreach (var kind in order)
                await host.PostStripeEvent(events[kind]);
            Assert.Equal(ReloadStatus.Credited, (await http.Reload(reload.Id)).Status);
            Assert.Equal(15_00, (await http.MyCard(card.Id)).BalanceCents);
        }

        var (holder, _, other) = await host.CardholderWithCard();
        var canceled = await holder.StartedReload(other.Id, 15_00);
        await host.PostStripeEvent(StripeEvents.Canceled(canceled.PaymentIntentId!, canceled.Id, 15_00));
        await host.PostStripeEvent(StripeEvents.Failed(canceled.PaymentIntentId!, canceled.Id, 15_00));
        Assert.Equal(ReloadStatus.Canceled, (await holder.Reload(canceled.Id)).Status);
        var untouched = await holder.MyCard(other.Id);
        Assert.Equal((0L, 0L), (untouched.BalanceCents, untouched.ReservedCents));
    }

    [Fact]
    public async Task A_refund_that_arrives_before_its_PaymentIntent_is_known_here_waits_and_is_applied_once_it_is()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 20_00);
        var pi = reload.PaymentIntentId!;
        // As if the host had stopped between Stripe creating the PaymentIntent and our recording it.
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            session.Delete<PaymentIntentLink>(pi);
            await session.SaveChangesAsync();
        }

        Assert.Equal("Parked", await (await host.PostStripeEvent(StripeEvents.Refunded(pi, 20_00, 20_00))).Outcome());
        Assert.Equal("Parked", await (await host.PostStripeEvent(StripeEvents.Dispute("charge.dispute.created", pi, "dp_x" + pi, 20_00, "needs_response"))).Outcome());
        Assert.Equal(0, (await http.Reload(reload.Id)).RefundedCents);

        Assert.Equal("Applied", await (await host.PostStripeEvent(StripeEvents.Succeeded(pi, reload.Id, 20_00))).Outcome());

        var after = await http.Reload(reload.Id);
        Assert.Equal((20_00L, 20_00L, 20_00L), (after.CreditedCents, after.RefundedCents, after.TakenBackCents));
        Assert.Single(after.Disputes);
        Assert.Equal(0, (await http.MyCard(card.Id)).BalanceCents);
    }
}
