using System.Net;
using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Host.Operations.AdminConsole;
using CityPass.Host.Terminals;
using CityPass.Host.Taps;
using CityPass.IntegrationTests.Payments;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Operations.AdminConsole;

/// <summary>The JSON the administrators' console reads: recent declines by reason, every terminal with its state; administrators only.</summary>
[Collection(CityPassCollection.Name)]
public class AdminConsoleTests(CityPassHost host)
{
    private readonly HttpClient _admin = host.CreateClient();

    [Fact]
    public async Task Declined_taps_of_the_period_are_counted_by_reason()
    {
        var before = await Declines(24);
        var poor = await _admin.CardWithBalance(10);
        var terminal = $"console-{Guid.NewGuid():N}"[..20];
        for (var sequence = 1; sequence <= 2; sequence++)
        {
            var declined = Assert.IsType<TapDeclined>(await host.Decide(
                await host.Terminals.Tap(terminal, sequence, poor.Uid, TestCity.Museum, host.Clock.GetCurrentInstant())));
            Assert.Equal(TapDeclineReason.InsufficientFunds, declined.Reason);
        }

        var after = await Declines(24);
        var funds = Assert.Single(after.Reasons, r => r.Reason == nameof(TapDeclineReason.InsufficientFunds));
        Assert.Equal(Count(before, nameof(TapDeclineReason.InsufficientFunds)) + 2, funds.Count);
        Assert.Equal(funds.Count, funds.Online + funds.Offline);
        Assert.Equal(after.Total, after.Reasons.Sum(r => r.Count));
        Assert.True(funds.LastAt <= after.To && funds.LastAt > after.From);
    }

    [Fact]
    public async Task A_decline_older_than_the_period_is_not_counted()
    {
        var (lastHour, lastDay) = (Count(await Declines(1), "VenueClosed"), Count(await Declines(24), "VenueClosed"));
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            // Recorded three hours ago (the shared clock is not moved: other tests of the collection read it).
            var at = host.Clock.GetCurrentInstant() - Duration.FromHours(3);
            var terminal = $"console-old-{Guid.NewGuid():N}"[..20];
            session.Store(new TapRecord(TapRecord.IdFor(terminal, 1), terminal, 1, "04AA000000" + Random.Shared.Next(1000, 9999), TestCity.Library, at,
                null, null, TapDeclineReason.VenueClosed, "closed", null, null, 0, null, null, null, at));
            await session.SaveChangesAsync();
        }

        Assert.Equal(lastHour, Count(await Declines(1), "VenueClosed"));
        Assert.Equal(lastDay + 1, Count(await Declines(24), "VenueClosed"));
    }

    [Fact]
    public async Task A_period_out_of_range_is_a_problem()
    {
        var response = await _admin.GetAsync("/admin/declines?hours=0");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync($"/admin/declines?hours={RecentDeclinesEndpoint.MaxHours + 1}")).StatusCode);
    }

    [Fact]
    public async Task All_terminals_lists_the_healthy_ones_too_and_the_default_only_those_that_need_attention()
    {
        var quiet = $"console-q-{Guid.NewGuid():N}"[..20];
        var online = $"console-o-{Guid.NewGuid():N}"[..20];
        await host.Terminals.KeyAsync(quiet, TestCity.Library);
        var version = (await _admin.GetFromJsonAsync<TerminalHealthReport>("/terminals/health", Api.Json))!.DenyListVersion;
        await host.Terminals.Beat(online, TestCity.Library, version);

        var all = await Eventually.ReadAsync(async () => (await _admin.GetFromJsonAsync<TerminalHealthReport>("/terminals/health?all=true", Api.Json))!,
            report => report.Healthy!.Any(t => t.TerminalId == online), $"{online} listed as healthy", every: TimeSpan.FromMilliseconds(50));

        var healthy = Assert.Single(all.Healthy!, t => t.TerminalId == online);
        Assert.Empty(healthy.Problems);
        Assert.Equal(version, healthy.DenyListVersion);
        Assert.Contains(all.NeedAttention, t => t.TerminalId == quiet && t.Problems.Contains("never-seen"));
        Assert.Null((await _admin.GetFromJsonAsync<TerminalHealthReport>("/terminals/health", Api.Json))!.Healthy);
    }

    [Fact]
    public async Task The_page_is_public_its_data_is_for_administrators_only()
    {
        var page = await host.Anonymous().GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/admin/console.js", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await host.Anonymous().GetAsync("/admin/console.js")).StatusCode);

        var (cardholder, _) = await host.SignedInCardholder();
        foreach (var path in new[] { "/admin/declines", "/terminals/health?all=true", "/admin/failed-messages" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await cardholder.GetAsync(path)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await cardholder.PostAsync("/admin/failed-messages/any/replay", null)).StatusCode);
    }

    private async Task<RecentDeclines> Declines(int hours) =>
        (await _admin.GetFromJsonAsync<RecentDeclines>($"/admin/declines?hours={hours}", Api.Json))!;

    private static int Count(RecentDeclines declines, string reason) => declines.Reasons.FirstOrDefault(r => r.Reason == reason)?.Count ?? 0;
}
