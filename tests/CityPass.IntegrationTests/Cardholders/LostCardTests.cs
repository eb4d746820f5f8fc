using System.Net;
using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Cardholders;
using CityPass.Domain.Cards;
using CityPass.Host.Cardholders.Replacing;
using CityPass.IntegrationTests.Payments;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Cardholders;

/// <summary>A lost or stolen card in one operation: blocked, replaced, its value moved — once, whatever happens.</summary>
[Collection(CityPassCollection.Name)]
public class LostCardTests(CityPassHost host)
{
    [Fact]
    public async Task Reporting_a_card_lost_with_its_replacement_blocks_it_and_moves_balance_passes_carnet_entries_and_concessions()
    {
        var (http, _, lost) = await host.CardholderWithCard(100_00);
        var admin = host.CreateClient();
        await admin.Buy(lost.Id, "swim-10");
        await admin.Buy(lost.Id, "library-membership");
        await admin.GrantConcession(lost.Id, "sortir-85", "CAF attestation 2026-55");
        Assert.IsType<TapAuthorized>(await host.Tap(lost.Uid, TestCity.Pool)); // one swim of the carnet
        var (fresh, printed) = await host.CardInHand();

        var replacement = await (await http.ReportLost(lost.Id, fresh.Uid, printed)).Replacement();

        Assert.Equal(ReplacementStep.Completed, replacement.Step);
        var old = await http.MyCard(lost.Id);
        var now = await http.MyCard(fresh.Id); // linked to the account by the same operation
        Assert.Equal((CardStatus.Blocked, "lost", 0L), (old.Status, old.BlockReason, old.BalanceCents));
        Assert.Empty(old.Rights);
        Assert.Empty(old.Concessions);
        Assert.Equal(100_00 - 30_00, now.BalanceCents); // the carnet cost 30.00, the membership nothing
        Assert.Equal(9, now.Rights.Single(r => r.ProductId == "swim-10").EntriesLeft);
        Assert.Contains(now.Rights, r => r.ProductId == "library-membership");
        Assert.Equal("sortir-85", Assert.Single(now.Concessions).ProfileId);

        Assert.Equal(TapDeclineReason.CardBlocked, Assert.IsType<TapDeclined>(await host.Tap(lost.Uid, TestCity.Pool)).Reason);
        var swim = Assert.IsType<TapAuthorized>(await host.Tap(fresh.Uid, TestCity.Pool));
        Assert.Equal(8, swim.EntriesLeft);
        var denied = await host.CreateClient().GetFromJsonAsync<System.Text.Json.JsonElement>("/deny-list?since=0");
        Assert.Contains(denied.GetProperty("entries").EnumerateArray(), e => e.GetProperty("cardUid").GetString() == lost.Uid);
    }

    [Fact]
    public async Task Retrying_the_report_moves_nothing_twice_and_twin_reports_racing_each_other_agree()
    {
        var (http, _, lost) = await host.CardholderWithCard(40_00);
        var (fresh, printed) = await host.CardInHand(5_00);

        var twins = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => http.ReportLost(lost.Id, fresh.Uid, printed)));
        foreach (var response in twins)
            Assert.Equal(ReplacementStep.Completed, (await response.Replacement()).Step);
        var again = await (await http.ReportLost(lost.Id, fresh.Uid, printed)).Replacement();

        Assert.Equal((ReplacementStep.Completed, 40_00L), (again.Step, again.MovedBalanceCents));
        Assert.Equal(45_00, (await http.MyCard(fresh.Id)).BalanceCents);
        Assert.Equal(0, (await http.MyCard(lost.Id)).BalanceCents);
        Assert.Single(await host.CreateClient().History(fresh.Id), l => l.Kind == "transferred-in");
    }

    [Fact]
    public async Task A_replacement_interrupted_halfway_resumes_from_its_last_step_and_moves_the_value_once()
    {
        var (http, _, lost) = await host.CardholderWithCard(25_00);
        var (fresh, printed) = await host.CardInHand();
        var process = host.Services.GetRequiredService<CardReplacementProcess>();
        process.BeforeStep = (state, step) => state.OldCardId == lost.Id && step == ReplacementStep.ValueMovedOut
            ? throw new InvalidOperationException("crash between moving the value out and moving it in")
            : Task.CompletedTask;
        try
        {
            var crashed = await http.ReportLost(lost.Id, fresh.Uid, printed);
            Assert.Equal(HttpStatusCode.InternalServerError, crashed.StatusCode);
        }
        finally
        {
            process.BeforeStep = null;
        }

        // Halfway: the old card is blocked and empty, the value in transit on the replacement's stream.
        Assert.Equal((CardStatus.Blocked, 0L), ((await http.MyCard(lost.Id)).Status, (await http.MyCard(lost.Id)).BalanceCents));
        Assert.Equal(0, (await http.MyCard(fresh.Id)).BalanceCents);
        var halfway = await http.GetFromJsonAsync<ReplacementView>($"/me/cards/{lost.Id}/replacement", Api.Json);
        Assert.Equal((ReplacementStep.ValueMovedOut, 25_00L), (halfway!.Step, halfway.MovedBalanceCents));

        // The resumer picks up replacements left unchanged for a minute (by the scheme's clock).
        host.Clock.Advance(NodaTime.Duration.FromMinutes(2));
        Assert.True(await host.Services.GetRequiredService<ReplacementResumer>().ResumeStalledAsync(CancellationToken.None) >= 1);
        var resumed = await (await http.ReportLost(lost.Id, fresh.Uid, printed)).Replacement();

        Assert.Equal(ReplacementStep.Completed, resumed.Step);
        Assert.Equal(25_00, (await http.MyCard(fresh.Id)).BalanceCents);
        Assert.Equal(0, (await http.MyCard(lost.Id)).BalanceCents);
    }

    [Fact]
    public async Task Taps_racing_the_replacement_never_spend_the_same_value_twice()
    {
        var (http, _, lost) = await host.CardholderWithCard(10_00);
        var (fresh, printed) = await host.CardInHand();

        // 8 taps of 1.00 on 10.00: fewer than the balance pays for, so a tap can only be declined because the card was
        // blocked — however the taps and the report interleave (all before it, all after, or split between).
        var taps = Enumerable.Range(0, 8).Select(_ => host.Tap(lost.Uid, TestCity.Library)).ToList();
        var report = http.ReportLost(lost.Id, fresh.Uid, printed);
        var answers = await Task.WhenAll(taps);
        var replacement = await (await report).Replacement();

        var charged = answers.OfType<TapAuthorized>().Sum(a => a.ChargedCents);
        var old = await http.MyCard(lost.Id);
        var now = await http.MyCard(fresh.Id);
        Assert.Equal(ReplacementStep.Completed, replacement.Step);
        Assert.Equal(0, old.BalanceCents);
        Assert.Equal(10_00, charged + now.BalanceCents); // every cent either spent by a tap before the block, or moved
        Assert.Equal(replacement.MovedBalanceCents, now.BalanceCents);
        Assert.All(answers.OfType<TapDeclined>(), d => Assert.Equal(TapDeclineReason.CardBlocked, d.Reason));
        Assert.Equal(TapDeclineReason.CardBlocked, Assert.IsType<TapDeclined>(await host.Tap(lost.Uid, TestCity.Library)).Reason);
    }

    [Fact]
    public async Task A_card_reported_without_a_replacement_is_blocked_at_once_and_its_value_waits_for_the_replacement()
    {
        var (http, _, lost) = await host.CardholderWithCard(12_00);
        var reported = await (await http.ReportLost(lost.Id)).Replacement();
        Assert.Equal(ReplacementStep.AwaitingReplacement, reported.Step);
        Assert.Equal((CardStatus.Blocked, 12_00L), ((await http.MyCard(lost.Id)).Status, (await http.MyCard(lost.Id)).BalanceCents));

        var (fresh, printed) = await host.CardInHand();
        var wrong = await http.PostAsJsonAsync($"/me/cards/{lost.Id}/replacement", new { uid = fresh.Uid, printedNumber = "0000 0000 0000" });
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        var named = await (await http.PostAsJsonAsync($"/me/cards/{lost.Id}/replacement", new { uid = fresh.Uid, printedNumber = printed })).Replacement();

        Assert.Equal(ReplacementStep.Completed, named.Step);
        Assert.Equal(12_00, (await http.MyCard(fresh.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_debt_moves_with_the_card_and_is_paid_from_the_moved_balance_first()
    {
        var admin = host.CreateClient();
        var (http, _, lost) = await host.CardholderWithCard();
        // A reload paid then refunded after it was spent: 20.00 of debt, the card blocked for debt.
        var reload = await http.StartedReload(lost.Id, 20_00);
        await host.CreateClient().PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["client_secret"] = reload.ClientSecret!, ["card_number"] = "4242424242424242" }));
        for (var i = 0; i < 5; i++)
            await host.Tap(lost.Uid, TestCity.Pool); // 5 × 3.50 = 17.50 spent
        await (await host.Administrator()).PostAsJsonAsync($"/sandbox/payments/{reload.PaymentIntentId}/refunds", new { amountCents = 20_00 });
        var indebted = await http.MyCard(lost.Id);
        Assert.Equal((17_50L, 0L), (indebted.DebtCents, indebted.BalanceCents));

        var (fresh, printed) = await host.CardInHand(30_00);
        var done = await (await http.ReportLost(lost.Id, fresh.Uid, printed)).Replacement();

        Assert.Equal((ReplacementStep.Completed, 17_50L), (done.Step, done.MovedDebtCents));
        var now = await http.MyCard(fresh.Id);
        Assert.Equal((0L, 30_00L - 17_50L, CardStatus.Active), (now.DebtCents, now.BalanceCents, now.Status));
        Assert.Equal(0, (await http.MyCard(lost.Id)).DebtCents);
    }

    [Fact]
    public async Task An_administrator_replaces_an_anonymous_card_and_a_cardholder_cannot()
    {
        var admin = await host.Administrator();
        var lost = await admin.CardWithBalance(7_00);
        var fresh = await admin.IssuedCard();
        var (cardholder, _) = await host.SignedInCardholder();
        Assert.Equal(HttpStatusCode.Forbidden, (await cardholder.PostAsJsonAsync($"/admin/cards/{lost.Id}/replace", new { newCardId = fresh.Id })).StatusCode);

        var done = await (await admin.PostAsJsonAsync($"/admin/cards/{lost.Id}/replace", new { newCardId = fresh.Id, reason = "stolen" })).Replacement();

        Assert.Equal(ReplacementStep.Completed, done.Step);
        Assert.Equal(7_00, (await admin.Card(fresh.Id)).BalanceCents);
        Assert.Equal("stolen", (await admin.Card(lost.Id)).BlockReason);
    }
}
