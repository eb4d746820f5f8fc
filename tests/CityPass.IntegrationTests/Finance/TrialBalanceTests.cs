using System.Net.Http.Json;
using CityPass.Host.Finance.Postings;
using CityPass.IntegrationTests.Payments;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CityPass.IntegrationTests.Finance;

/// <summary>The trial balance compares the ledger and the cards at one position: busy is never "unbalanced", broken always is.</summary>
public class TrialBalanceTests(FinanceHost host) : IClassFixture<FinanceHost>
{
    [Fact]
    public async Task Taps_and_reloads_while_polling_never_report_a_balanced_ledger_as_unbalanced()
    {
        var admin = host.CreateClient();
        var finance = await host.Finance();
        var (holder, _, online) = await host.CardholderWithCard();
        var cards = new List<Host.Cards.CardView>();
        for (var i = 0; i < 4; i++)
            cards.Add(await admin.CardWithBalance(100_00));

        using var stop = new CancellationTokenSource();
        var activity = Task.Run(async () =>
        {
            for (var round = 0; round < 12; round++)
            {
                await Task.WhenAll(cards.Select(c => host.Tap(c.Uid, TestCity.Pool)));
                await admin.Load(cards[round % cards.Count].Id, 5_00, Guid.NewGuid().ToString());
                var reload = await holder.StartedReload(online.Id, 10_00);
                await host.PostStripeEvent(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 10_00));
            }
        });
        var reads = new List<TrialBalanceView>();
        while (!activity.IsCompleted)
            reads.Add((await finance.GetFromJsonAsync<TrialBalanceView>("/finance/trial-balance", Api.Json))!);
        await activity;

        Assert.NotEmpty(reads);
        Assert.All(reads, r =>
        {
            Assert.NotEqual(TrialBalance.StatusUnbalanced, r.Status);
            Assert.True(r.Balanced, $"reported unbalanced at ledger {r.LedgerSequence}, events {r.EventSequence}, {r.EventsBehind} behind");
            Assert.Equal(r.EventsBehind == 0, r.LedgerUpToDate);
            if (r.LedgerUpToDate)
                Assert.Equal(r.CardBalancesCents, r.StoredValueLiabilityCents);
        });
        var last = await host.TrialBalance();
        Assert.Equal(TrialBalance.StatusBalanced, last.Status);
        Assert.Equal(0, last.EventsBehind);
    }

    [Fact]
    public async Task A_ledger_that_lost_a_posting_is_unbalanced_and_names_the_card()
    {
        var card = await host.CreateClient().CardWithBalance(12_34);
        var before = await host.TrialBalance();
        Assert.Equal(TrialBalance.StatusBalanced, before.Status);

        // Corrupt this host's own schema: the card's load entry disappears from the ledger (the daemon never rewrites it).
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var table = $"{store.Options.DatabaseSchemaName}.mt_doc_ledgerentry";
        await using var connection = new NpgsqlConnection(host.Postgres);
        await connection.OpenAsync();
        await using var delete = new NpgsqlCommand($"delete from {table} where data->>'cardId' = @card and data->>'kind' = 'load'", connection);
        delete.Parameters.AddWithValue("card", card.Id.ToString());
        Assert.Equal(1, await delete.ExecuteNonQueryAsync());

        var finance = await host.Finance();
        var broken = (await finance.GetFromJsonAsync<TrialBalanceView>("/finance/trial-balance", Api.Json))!;
        Assert.Equal(TrialBalance.StatusUnbalanced, broken.Status);
        Assert.False(broken.Balanced);
        Assert.True(broken.LedgerUpToDate);
        Assert.Equal(0, broken.TotalCents); // each entry balances: only the comparison with the cards shows the loss
        Assert.Equal(broken.CardBalancesCents - 12_34, broken.StoredValueLiabilityCents);
        var mismatch = Assert.Single(broken.CardMismatches!);
        Assert.Equal(new CardMismatch(card.Id, 12_34, 0, 0, 0), mismatch);
    }
}
