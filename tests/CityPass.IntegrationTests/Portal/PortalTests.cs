using System.Text.RegularExpressions;
using CityPass.Domain.Cards;
using CityPass.IntegrationTests.Cardholders;
using CityPass.IntegrationTests.Payments;
using Microsoft.Playwright;

namespace CityPass.IntegrationTests.Portal;

/// <summary>
/// The cardholder portal in a real headless Chromium, on a phone-sized screen, for a browser that prefers English (its
/// Accept-Language): the portal speaks English without being asked. The French journey is <see cref="PortalJourneyTests"/>.
/// </summary>
[Collection(PortalCollection.Name)]
public class PortalTests(PortalHost host) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await PortalHost.LaunchChromium();
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseUrl, ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true,
            Locale = "en-GB",
        });
        _page = await context.NewPageAsync();
        _page.SetDefaultTimeout(15_000);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task A_cardholder_signs_in_sees_balance_passes_and_visits_reloads_through_the_sandbox_and_reports_the_card_lost()
    {
        var (http, email, card) = await host.CardholderWithCard(40_00);
        await host.CreateClient().Buy(card.Id, "swim-10"); // 30.00: 10.00 left
        Assert.IsType<CityPass.Contracts.Terminals.TapAuthorized>(await host.Tap(card.Uid, TestCity.Museum)); // 1.50: 8.50 left

        await _page.GotoAsync("/portal");
        await _page.FillAsync("#email", email);
        await _page.FillAsync("#password", Payments.Cardholders.Password);
        await _page.ClickAsync("#sign-in");

        var shown = _page.Locator($"article[data-card-id='{card.Id}']");
        await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(shown.Locator(".balance")).ToHaveTextAsync("€8.50");
        await Assertions.Expect(shown.Locator(".rights")).ToContainTextAsync("10 swims: 10 entries left");
        var visit = shown.Locator("li.line[data-kind='fare']").First;
        await Assertions.Expect(visit.Locator(".what")).ToHaveTextAsync("The museum: entry at the full fare");
        await Assertions.Expect(visit.Locator(".amount")).ToHaveTextAsync("Debit −€1.50");

        await shown.Locator(".reload-amount").SelectOptionAsync("2000");
        await shown.Locator(".reload").ClickAsync();
        await _page.WaitForURLAsync(new Regex("/sandbox/checkout/"));
        await _page.FillAsync("input[name=card_number]", "4242 4242 4242 4242");
        await _page.ClickAsync("button[type=submit]");
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Paid");

        await _page.GotoAsync("/portal"); // still signed in for this tab
        await Assertions.Expect(shown.Locator(".balance")).ToHaveTextAsync("€28.50");
        Assert.Equal(28_50, (await http.MyCard(card.Id)).BalanceCents);

        await shown.Locator(".report-lost").ClickAsync();
        await shown.Locator(".confirm-lost").ClickAsync();
        await Assertions.Expect(shown.Locator(".status-line")).ToHaveTextAsync("Blocked: reported lost");
        Assert.Equal(CardStatus.Blocked, (await http.MyCard(card.Id)).Status);
        await Assertions.Expect(shown.Locator(".reload")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_nothing_is_shown()
    {
        var (_, email, _) = await host.CardholderWithCard(5_00);
        await _page.GotoAsync("/portal");
        await _page.FillAsync("#email", email);
        await _page.FillAsync("#password", "not-the-password");
        await _page.ClickAsync("#sign-in");
        await Assertions.Expect(_page.Locator("#sign-in-status")).ToHaveTextAsync("Wrong e-mail or password.");
        await Assertions.Expect(_page.Locator("#cards")).ToBeHiddenAsync();
    }
}
