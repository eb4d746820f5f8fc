using System.Net.Http.Json;
using System.Text;
using CityPass.Domain.Finance;
using CityPass.IntegrationTests.Finance;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using NodaTime;

namespace CityPass.IntegrationTests.Portal;

/// <summary>A real-port host of its own: these tests close days, which moves its clock forward.</summary>
public sealed class FinancePagesHost : PortalHost;

/// <summary>The finance pages in a real headless Chromium, as finance staff use them (French first).</summary>
public class FinancePagesTests(FinancePagesHost host) : IClassFixture<FinancePagesHost>, IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await PortalHost.LaunchChromium();
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseUrl, ViewportSize = new ViewportSize { Width = 1366, Height = 900 }, AcceptDownloads = true, Locale = "fr-FR",
        });
        _page = await context.NewPageAsync();
        _page.SetDefaultTimeout(15_000);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private async Task SignIn()
    {
        await _page.GotoAsync("/finance");
        await _page.FillAsync("#email", CityPassHost.FinanceEmail);
        await _page.FillAsync("#password", CityPassHost.FinancePassword);
        await _page.ClickAsync("#login button");
        await Assertions.Expect(_page.Locator("nav")).ToBeVisibleAsync();
    }

    /// <summary>Non-breaking spaces (the French thousands and currency separators) as plain spaces.</summary>
    private static string Plain(string text) => text.Replace('\u202f', ' ').Replace('\u00a0', ' ');

    [Fact]
    public async Task Finance_staff_close_a_day_after_confirming_and_download_the_operators_settlement_in_both_csv_variants()
    {
        var card = await host.CreateClient().CardWithBalance(20_00);
        await host.Tap(card.Uid, TestCity.Pool); // Wednesday 25 November 2026, 18:00 in Paris: 3.50 owed to the city
        await host.LedgerCaughtUp();
        host.At(new LocalDateTime(2026, 11, 26, 5, 0));

        await SignIn();
        await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await Assertions.Expect(_page.Locator("#balance-badge")).ToHaveTextAsync("Équilibré");
        await Assertions.Expect(_page.Locator("#trial-balance")).ToContainTextAsync("Dû aux exploitants : City of Rennes");
        await Assertions.Expect(_page.Locator("#trial-balance")).ToContainTextAsync("Avoirs des porteursliability:stored-value");
        var owed = _page.Locator("#trial-balance tr", new() { HasText = "City of Rennes" }).Locator("td.num");
        Assert.Equal("-3,50 €", Plain(await owed.InnerTextAsync()).Replace('\u2212', '-'));

        var finance = await host.Finance();
        await _page.ClickAsync("[data-show=days]");
        await _page.FillAsync("#close-date", "2026-11-25");
        await _page.ClickAsync("#close");
        await Assertions.Expect(_page.Locator("#close-confirm")).ToBeVisibleAsync();
        await Assertions.Expect(_page.Locator("#close-question")).ToContainTextAsync("définitive");
        Assert.Empty((await finance.GetFromJsonAsync<DaysProbe>("/finance/days", Api.Json))!.Closed); // nothing closed before confirming
        await _page.ClickAsync("#close-yes");
        await Assertions.Expect(_page.Locator("#close-status")).ToHaveTextAsync("1 journée(s) clôturée(s).");
        await Assertions.Expect(_page.Locator("#days-table tbody tr")).ToHaveCountAsync(1);
        Assert.Single((await finance.GetFromJsonAsync<DaysProbe>("/finance/days", Api.Json))!.Closed);

        await _page.ClickAsync("[data-show=operators]");
        await Assertions.Expect(_page.Locator("#op option[value=city]")).ToHaveTextAsync("City of Rennes (city)");
        await _page.SelectOptionAsync("#op", "city");
        await _page.FillAsync("#op-from", "2026-11-25");
        await _page.FillAsync("#op-to", "2026-11-25");
        await _page.ClickAsync("#settle");
        await Assertions.Expect(_page.Locator("#settle-status")).ToContainTextAsync("à payer");
        var settlement = (await finance.GetFromJsonAsync<SettlementStatement>("/finance/settlements/city?from=2026-11-25&to=2026-11-25", Api.Json))!;
        Assert.Equal(3_50, settlement.GrossCents);

        var french = await _page.RunAndWaitForDownloadAsync(() => _page.ClickAsync("#settle-csv-fr"));
        Assert.Equal("reglement-city-2026-11-25-2026-11-25.csv", french.SuggestedFilename);
        var bytes = await File.ReadAllBytesAsync((await french.PathAsync())!);
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("exploitant;du;au;nature;lieu;produit;profil;visites;montant (EUR)", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("city;2026-11-25;2026-11-25;tarif;pool;", StringComparison.Ordinal) && l.EndsWith(";1;3,50", StringComparison.Ordinal));
        Assert.Equal($"city;2026-11-25;2026-11-25;à payer;;;;0;{settlement.PayableCents / 100m:0.00}".Replace('.', ','), lines[^1]);

        var standard = await _page.RunAndWaitForDownloadAsync(() => _page.ClickAsync("#settle-csv"));
        Assert.Equal("settlement-city-2026-11-25-2026-11-25.csv", standard.SuggestedFilename);
        var rows = (await File.ReadAllLinesAsync((await standard.PathAsync())!)).Where(l => l.Length > 0).ToList();
        Assert.Equal("operator_id,period_from,period_to,kind,venue_id,product_id,profile_id,visits,amount_cents", rows[0]);
        Assert.Equal($"city,2026-11-25,2026-11-25,payable,,,,0,{settlement.PayableCents}", rows[^1]);
    }

    [Fact]
    public async Task The_finance_pages_have_no_serious_accessibility_violation_in_french_or_english()
    {
        await SignIn();
        foreach (var lang in new[] { "fr", "en" })
        {
            await _page.ClickAsync($"[data-lang={lang}]");
            await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", lang);
            foreach (var tab in new[] { "overview", "days", "operators", "discrepancies" })
            {
                await _page.ClickAsync($"[data-show={tab}]");
                await Assertions.Expect(_page.Locator($"section#{tab}")).ToBeVisibleAsync();
                await _page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                var result = await _page.RunAxe();
                var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
                    .Select(v => $"{lang}/{tab}: {v.Id} ({v.Impact}) {string.Join(" | ", v.Nodes.Select(n => n.Html))}").ToList();
                Assert.True(serious.Count == 0, string.Join("\n", serious));
            }
        }
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("CityPass finance");
    }

    private sealed record DaysProbe(IReadOnlyList<object> Closed);
}
