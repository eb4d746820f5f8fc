using System.Net;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Cards;
using CityPass.Domain.Payments;
using CityPass.Domain.Payments.AutoReloads;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Payments.AutoReloads;

/// <summary>A second host with Stripe.net against the same stub, on the first's schema, queues and clock.</summary>
public sealed class SecondStripeApiHost(StripeApiHost first) : CityPassHost(first)
{
    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        builder.UseSetting("Stripe:SecretKey", "sk_test_citypass_stub");
        builder.UseSetting("Stripe:ApiBase", first.Stripe.BaseUrl);
    }

    public async Task StartAsync()
    {
        StartServer();
        await Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
    }
}

/// <summary>Automatic reloading through Stripe.net against the local Stripe API stub, which checks every request's idempotency key.</summary>
[Collection(StripeApiCollection.Name)]
public class StripeAutoReloadTests(StripeApiHost host)
{
    private async Task<(HttpClient Http, Host.Cards.CardView Card, string Method)> HolderWithAutoReload(long balanceCents, string method)
    {
        var (http, _, card) = await host.CardholderWithCard(balanceCents);
        var setup = await http.StartedSetup();
        Assert.Null(setup.CheckoutUrl);
        host.Stripe.ConfirmedSetups[setup.SetupIntentId] = method; // the holder confirmed it with Stripe.js
        await http.AutoReloadSetUp(card.Id, setup.SetupIntentId, 5_00, 20_00);
        return (http, card, method);
    }

    [Fact]
    public async Task Twenty_taps_racing_across_the_threshold_on_two_hosts_create_exactly_one_automatic_reload()
    {
        await using var second = new SecondStripeApiHost(host);
        await second.StartAsync();
        var (http, card, method) = await HolderWithAutoReload(10_00, $"pm_card_visa_{Guid.NewGuid():N}");
        var run = $"race-{Guid.NewGuid():N}"[..16];

        // 20 taps at once, half through each host: the pool's 3.50 lets two pass on 10.00, the second crossing 5.00.
        var replies = await Task.WhenAll(Enumerable.Range(1, 20).Select(s => host.PoolTap(run, s, card.Uid, s % 2 == 0 ? second : host)));

        Assert.Equal(2, replies.Count(r => r is TapAuthorized));
        var reload = Assert.Single(await http.Reloads(card.Id));
        Assert.True(reload.Automatic);
        await Eventually.ReadAsync(() => http.Reload(reload.Id), r => r.Status == ReloadStatus.AwaitingPayment, "the off-session PaymentIntent recorded");
        var sent = host.Stripe.Requests.Where(r => r.Path == "/v1/payment_intents" && r.Form.GetValueOrDefault("payment_method") == method).ToList();
        Assert.NotEmpty(sent);
        Assert.All(sent, r => Assert.Equal($"citypass-reload-{reload.Id}", r.IdempotencyKey));
        Assert.All(sent, r => Assert.Equal(("true", "true", "2000"), (r.Form["off_session"], r.Form["confirm"], r.Form["amount"])));
        Assert.Equal(20_00, (await http.MyCard(card.Id)).ReservedCents);

        await host.PostStripeEvent(StripeEvents.Succeeded((await http.Reload(reload.Id)).PaymentIntentId!, reload.Id, 20_00));
        var after = await http.MyCard(card.Id);
        Assert.Equal((23_00L, 0L), (after.BalanceCents, after.ReservedCents));
        Assert.Null((await http.AutoReload(card.Id)).InFlightReloadId);
    }

    [Theory]
    [InlineData("card_declined")]
    [InlineData("authentication_required")]
    public async Task A_refusal_by_the_bank_stops_automatic_reloading_records_the_notice_and_never_blocks_the_card(string code)
    {
        var method = $"pm_refused_{Guid.NewGuid():N}";
        host.Stripe.OffSessionFailures[method] = code;
        var (http, card, _) = await HolderWithAutoReload(6_00, method);

        Assert.IsType<TapAuthorized>(await host.PoolTap($"refused-{Guid.NewGuid():N}"[..16], 1, card.Uid));

        var stopped = await http.AutoReloadWhen(card.Id, a => a.Status == AutoReloadStatus.Stopped, "automatic reloading stopped");
        Assert.Equal(code, stopped.StoppedReason);
        Assert.Equal(code, Assert.Single(await host.Notices(card.Id)).Reason);
        var reload = Assert.Single(await http.Reloads(card.Id));
        Assert.Equal(ReloadStatus.Failed, reload.Status);
        var after = await http.MyCard(card.Id);
        Assert.Equal((2_50L, 0L, CardStatus.Active), (after.BalanceCents, after.ReservedCents, after.Status));
        var create = Assert.Single(host.Stripe.Requests, r => r.Path == "/v1/payment_intents" && r.Form.GetValueOrDefault("payment_method") == method);
        Assert.Equal($"citypass-reload-{reload.Id}", create.IdempotencyKey);

        // Stripe's payment_intent.payment_failed arrives too: nothing changes twice.
        await host.PostStripeEvent(StripeEvents.Failed(reload.PaymentIntentId!, reload.Id, 20_00));
        Assert.Single(await host.Notices(card.Id));
    }

    [Fact]
    public async Task Every_request_to_Stripe_carries_an_idempotency_key_and_removing_detaches_the_method()
    {
        var before = host.Stripe.Requests.Count;
        var (http, card, method) = await HolderWithAutoReload(10_00, $"pm_card_visa_{Guid.NewGuid():N}");

        var removed = await http.DeleteAsync($"/me/cards/{card.Id}/auto-reload");

        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        var sent = host.Stripe.Requests.Skip(before).ToList();
        Assert.Contains(sent, r => r.Path == "/v1/customers");
        Assert.Contains(sent, r => r.Path == "/v1/setup_intents" && r.Form["usage"] == "off_session");
        var detach = Assert.Single(sent, r => r.Path == $"/v1/payment_methods/{method}/detach");
        Assert.Equal($"citypass-detach-{method}", detach.IdempotencyKey);
        Assert.All(sent, r => Assert.False(string.IsNullOrEmpty(r.IdempotencyKey)));
        Assert.Equal(AutoReloadStatus.Removed, (await http.AutoReload(card.Id)).Status);
    }
}
