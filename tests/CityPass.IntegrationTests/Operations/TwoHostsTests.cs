using CityPass.Contracts.Terminals;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace CityPass.IntegrationTests.Operations;

/// <summary>A second instance of the host on the same Marten schema, the same queues and the same clock as the first.</summary>
public sealed class SecondCityPassHost(CityPassHost first) : CityPassHost(first)
{
    public async Task StartAsync()
    {
        StartServer();
        await Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
    }
}

/// <summary>
/// Two hosts as competing consumers of one tap queue, concurrent taps on the same cards through both, each tap delivered
/// once through each host: no double spending, every authorized tap is one charge, every balance is the sum of its card's events.
/// </summary>
[Collection(CityPassCollection.Name)]
public class TwoHostsTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    [Fact]
    public async Task Concurrent_taps_on_the_same_cards_through_two_hosts_never_spend_twice()
    {
        await using var second = new SecondCityPassHost(host);
        await second.StartAsync();
        Assert.Equal(2u, await ConsumersOf(host.TapQueue));

        const int cards = 4, tapsPerCard = 8;
        var loaded = new List<Host.Cards.CardView>();
        for (var c = 0; c < cards; c++)
            loaded.Add(await _http.CardWithBalance(10_00));
        var run = Guid.NewGuid().ToString("N")[..8];

        // Each tap is sent twice at once, through each host's bus; the pool charges 3.50, so two taps of a card fit in 10.00.
        var sends = new List<Task<(Guid Card, Response<TapAuthorized, TapDeclined> First, Response<TapAuthorized, TapDeclined> Second)>>();
        for (var c = 0; c < cards; c++)
        {
            var card = loaded[c];
            var terminal = $"two-{run}-{c}";
            for (var s = 1; s <= tapsPerCard; s++)
            {
                var tap = await host.Terminals.Tap(terminal, s, card.Uid, TestCity.Pool, host.Clock.GetCurrentInstant());
                sends.Add(SendThroughBoth(card.Id, tap, second));
            }
        }
        var replies = await Task.WhenAll(sends);

        foreach (var card in loaded)
        {
            var mine = replies.Where(r => r.Card == card.Id).ToList();
            // Both deliveries of a tap got the same answer.
            Assert.All(mine, r => Assert.Equal(Describe(r.First), Describe(r.Second)));
            var authorized = mine.Count(r => r.First.Message is TapAuthorized);
            Assert.Equal(2, authorized);
            Assert.All(mine.Select(r => r.First.Message).OfType<TapDeclined>(), d => Assert.Equal(TapDeclineReason.InsufficientFunds, d.Reason));

            var balance = (await _http.Card(card.Id)).BalanceCents;
            Assert.Equal(10_00 - authorized * 3_50, balance);
            var history = await _http.History(card.Id);
            Assert.Equal(authorized, history.Count(l => l.Kind == "charged"));
            Assert.Equal(balance, history.Sum(l => l.AmountCents ?? 0));
            Assert.All(history.Where(l => l.BalanceCents is not null), l => Assert.True(l.BalanceCents >= 0));
        }
    }

    private async Task<(Guid, Response<TapAuthorized, TapDeclined>, Response<TapAuthorized, TapDeclined>)> SendThroughBoth(Guid card, AuthorizeTap tap, CityPassHost second)
    {
        var first = host.TapClient().GetResponse<TapAuthorized, TapDeclined>(tap);
        var other = second.TapClient().GetResponse<TapAuthorized, TapDeclined>(tap);
        return (card, await first, await other);
    }

    private static string Describe(Response<TapAuthorized, TapDeclined> response) => response.Message switch
    {
        TapAuthorized a => $"authorized {a.ChargedCents} {a.BalanceCents}",
        TapDeclined d => $"declined {d.Reason}",
        var other => other.GetType().Name,
    };

    private static async Task<uint> ConsumersOf(string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri(CityPassHost.RabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).ConsumerCount;
    }
}
