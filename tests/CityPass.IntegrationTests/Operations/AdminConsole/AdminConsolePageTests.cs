using CityPass.Contracts.Terminals;
using CityPass.IntegrationTests.Operations;
using CityPass.IntegrationTests.Payments;
using CityPass.IntegrationTests.Portal;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace CityPass.IntegrationTests.Operations.AdminConsole;

/// <summary>
/// The administrators' console at /admin in a real headless Chromium, on a desk-sized screen, in French (the browser
/// asks for fr-FR; English is a choice on the page). Codes stay in data-* attributes, the texts are checked as shown.
/// </summary>
[Collection(PortalCollection.Name)]
public class AdminConsolePageTests(PortalHost host) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await PortalHost.LaunchChromium();
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, Locale = "fr-FR" });
        _page = await context.NewPageAsync();
        _page.SetDefaultTimeout(15_000);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private async Task SignIn(string email, string password)
    {
        await _page.GotoAsync("/admin");
        await _page.FillAsync("#email", email);
        await _page.FillAsync("#password", password);
        await _page.ClickAsync("#sign-in");
    }

    [Fact]
    public async Task An_administrator_sees_terminals_declines_and_dependencies_and_replays_a_failed_heartbeat_until_the_error_queue_is_empty()
    {
        var terminal = $"console-page-{Guid.NewGuid():N}"[..24];
        var poor = await host.CreateClient().CardWithBalance(10);
        Assert.IsType<TapDeclined>(await host.Decide(await host.Terminals.Tap(terminal, 1, poor.Uid, TestCity.Museum, host.Clock.GetCurrentInstant())));
        var failed = await host.FailedHeartbeat(terminal, TestCity.Museum); // its heartbeat failed while the database was away

        await SignIn(CityPassHost.AdministratorEmail, CityPassHost.AdministratorPassword);

        var row = _page.Locator($"#terminals tr[data-terminal-id='{terminal}']");
        await Assertions.Expect(row.Locator(".state")).ToHaveAttributeAsync("data-state", "never-seen");
        await Assertions.Expect(row.Locator(".state")).ToHaveTextAsync("jamais vu");
        var declined = _page.Locator("#declines tr[data-reason='InsufficientFunds']");
        await Assertions.Expect(declined.Locator(".count")).Not.ToHaveTextAsync("0");
        await Assertions.Expect(declined.Locator("td").First).ToHaveTextAsync("Solde insuffisant");
        var postgres = _page.Locator("#dependencies tr[data-check='postgresql'] .status");
        await Assertions.Expect(postgres).ToHaveAttributeAsync("data-status", "Healthy");
        await Assertions.Expect(postgres).ToHaveTextAsync("Opérationnel");
        await Assertions.Expect(_page.Locator("#ready")).ToHaveTextAsync("Opérationnel");

        var message = _page.Locator($"#failed tr[data-message-id='{failed}']");
        await Assertions.Expect(message).ToContainTextAsync(host.HeartbeatQueue + "_error");
        await message.Locator(".replay").ClickAsync();

        await Assertions.Expect(_page.Locator("#message")).ToHaveTextAsync($"{failed} renvoyé vers {host.HeartbeatQueue}.");
        await Assertions.Expect(_page.Locator("#failed tbody tr")).ToHaveCountAsync(0);
        await Assertions.Expect(_page.Locator("#failed-empty")).ToBeVisibleAsync();
        // The replayed heartbeat is recorded: the terminal is online.
        await Eventually.HoldsAsync(async () =>
        {
            if (await row.Locator(".state").GetAttributeAsync("data-state") == "online")
                return true;
            await _page.ClickAsync("#refresh");
            return false;
        }, "the replayed terminal shown online", every: TimeSpan.FromMilliseconds(200));
        await Assertions.Expect(row.Locator(".state")).ToHaveTextAsync("en ligne");
    }

    [Fact]
    public async Task A_terminal_whose_taps_are_all_refused_is_shown_in_trouble_with_the_reason_even_while_its_heartbeats_arrive()
    {
        var gate = $"forged-gate-{Guid.NewGuid():N}"[..24];
        var key = await host.Terminals.KeyAsync(gate, TestCity.Museum);
        await host.Terminals.Beat(gate, TestCity.Museum, 0, key); // its heartbeats are fine: it looks online
        var card = await host.CreateClient().CardWithBalance(10_00);
        for (var sequence = 1; sequence <= 3; sequence++)
        {
            var tap = await host.Terminals.Tap(gate, sequence, card.Uid, TestCity.Museum, host.Clock.GetCurrentInstant());
            Assert.IsType<TapDeclined>(await host.Decide(TestTerminals.Sign(new byte[32], tap))); // every tap signed with the wrong key
        }

        await SignIn(CityPassHost.AdministratorEmail, CityPassHost.AdministratorPassword);

        var row = _page.Locator($"#terminals tr[data-terminal-id='{gate}']");
        await Assertions.Expect(row.Locator(".state")).ToHaveAttributeAsync("data-state", "trouble");
        await Assertions.Expect(row.Locator(".state")).ToHaveTextAsync("en difficulté");
        await Assertions.Expect(row.Locator(".incidents")).ToContainTextAsync("3 refusé(s) — terminal-not-authenticated");
        await Assertions.Expect(_page.Locator("#terminal-summary")).ToContainTextAsync("en difficulté");

        // In English at the click of a button, the tables said again, and the choice kept after a reload.
        await _page.ClickAsync("[data-lang=en]");
        await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(row.Locator(".state")).ToHaveTextAsync("in trouble");
        await Assertions.Expect(row.Locator(".incidents")).ToContainTextAsync("3 refused — terminal-not-authenticated");
        await _page.ReloadAsync();
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("CityPass operations");
        await Assertions.Expect(_page.Locator("#terminal-summary")).ToContainTextAsync("in trouble");
    }

    [Fact]
    public async Task The_console_has_no_serious_accessibility_violation_in_french_or_english_at_desk_width_or_on_a_phone()
    {
        var terminal = $"console-axe-{Guid.NewGuid():N}"[..24];
        var poor = await host.CreateClient().CardWithBalance(10);
        Assert.IsType<TapDeclined>(await host.Decide(await host.Terminals.Tap(terminal, 1, poor.Uid, TestCity.Museum, host.Clock.GetCurrentInstant())));
        await SignIn(CityPassHost.AdministratorEmail, CityPassHost.AdministratorPassword);
        await Assertions.Expect(_page.Locator($"#terminals tr[data-terminal-id='{terminal}']")).ToBeVisibleAsync();

        foreach (var (lang, width, height) in new[] { ("fr", 1366, 768), ("fr", 375, 740), ("en", 1366, 768), ("en", 375, 740) })
        {
            await _page.ClickAsync($"[data-lang={lang}]");
            await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", lang);
            await _page.SetViewportSizeAsync(width, height);
            var result = await _page.RunAxe();
            var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{lang}, {width} px: {v.Id} ({v.Impact}) {string.Join(" | ", v.Nodes.Select(n => n.Html))}").ToList();
            Assert.True(serious.Count == 0, string.Join("\n", serious));
            // Nothing wider than the screen: the tables wrap at desk width and stack on a phone.
            var overflow = await _page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"The console is {overflow} px wider than a {width} px screen.");
        }
    }

    [Fact]
    public async Task A_cardholder_is_told_the_console_is_for_administrators_and_sees_nothing()
    {
        var (_, email) = await host.SignedInCardholder();

        await SignIn(email, Payments.Cardholders.Password);

        await Assertions.Expect(_page.Locator("#message")).ToHaveTextAsync("Ce compte n'est pas administrateur : la console demande la connexion d'un administrateur.");
        await Assertions.Expect(_page.Locator("#console")).ToBeHiddenAsync();
        await Assertions.Expect(_page.Locator("#sign-in-form")).ToBeVisibleAsync();
        await _page.ClickAsync("[data-lang=en]"); // the message is said again in the language chosen
        await Assertions.Expect(_page.Locator("#message")).ToHaveTextAsync("This account is not an administrator: the console needs an administrator's sign-in.");
        await Assertions.Expect(_page.Locator("#sign-in")).ToHaveTextAsync("Sign in");
    }
}
