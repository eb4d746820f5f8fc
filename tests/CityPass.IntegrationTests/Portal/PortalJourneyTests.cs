using System.Text.RegularExpressions;
using CityPass.IntegrationTests.Cardholders;
using CityPass.IntegrationTests.Payments;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace CityPass.IntegrationTests.Portal;

/// <summary>
/// A resident alone with the portal on a phone, in French: sign-up to closing, with axe on every page in French and in
/// English, and at 320 px wide. With CITYPASS_SCREENSHOTS=1 the screenshots go to docs/screenshots (docs/cardholders.md).
/// </summary>
[Collection(PortalCollection.Name)]
public class PortalJourneyTests(PortalHost host) : IAsyncLifetime
{
    private const string Password = "Résidente-Lyon-2026";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;
    private readonly List<string> _violations = [];

    public async Task InitializeAsync() => (_playwright, _browser) = await PortalHost.LaunchChromium();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private async Task<IPage> Phone(int width = 390, int height = 844)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseUrl, ViewportSize = new ViewportSize { Width = width, Height = height }, IsMobile = true, HasTouch = true,
            Locale = "fr-FR", AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        return page;
    }

    /// <summary>Non-breaking spaces (French thousands and currency separators) as plain spaces.</summary>
    private static string Plain(string text) => text.Replace('\u202f', ' ').Replace('\u00a0', ' ');

    private async Task Axe(string where)
    {
        var result = await _page.RunAxe();
        _violations.AddRange(result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{where}: {v.Id} ({v.Impact}) {string.Join(" | ", v.Nodes.Select(n => n.Html))}"));
    }

    private async Task Screenshot(string name, ILocator? part = null)
    {
        if (Environment.GetEnvironmentVariable("CITYPASS_SCREENSHOTS") != "1")
            return;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "CityPass.sln")))
            root = root.Parent;
        if (root is null)
            return;
        var path = Path.Combine(root.FullName, "docs", "screenshots", $"portal-{name}.png");
        if (part is null)
            await _page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        else
            await part.ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
    }

    private async Task FitsTheWidth(int width)
    {
        var scrollWidth = await _page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"{_page.Url} is {scrollWidth} px wide at a {width} px screen.");
    }

    [Fact]
    public async Task A_resident_signs_up_adds_a_card_by_its_printed_number_reloads_reads_the_history_in_French_replaces_the_lost_card_exports_and_closes()
    {
        var (card, printed) = await host.CardInHand();
        var (spare, sparePrinted) = await host.CardInHand();
        var email = $"lea-{Guid.NewGuid():N}@example.test";
        _page = await Phone();

        // "/" is the portal, in French.
        await _page.GotoAsync("/");
        await _page.WaitForURLAsync(new Regex("/portal$"));
        await Assertions.Expect(_page.Locator("#sign-out")).ToBeHiddenAsync();
        await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Connexion");
        await Axe("fr/sign-in");
        await Screenshot("sign-in");

        // Sign up, then confirm from the link of the mail.
        await _page.ClickAsync("#go-sign-up");
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Créer un compte");
        await _page.FillAsync("#new-email", email);
        await _page.FillAsync("#new-password", "court");
        await _page.ClickAsync("#sign-up");
        await Assertions.Expect(_page.Locator("#sign-up-status")).ToContainTextAsync("mot de passe est trop faible");
        await _page.FillAsync("#new-password", Password);
        await _page.ClickAsync("#sign-up");
        await Assertions.Expect(_page.Locator("#sign-up-status")).ToContainTextAsync("Nous vous avons envoyé un e-mail");
        await Axe("fr/sign-up");

        await _page.GotoAsync(host.Mailbox.ConfirmationLink(email));
        await Assertions.Expect(_page.Locator("#confirm-status")).ToContainTextAsync("votre adresse e-mail est confirmée");
        await Axe("fr/confirm-email");
        await _page.ClickAsync("#view-confirm a");

        // Sign in; add the card by the number printed on it alone, and name it.
        await _page.FillAsync("#email", email);
        await _page.FillAsync("#password", Password);
        await _page.ClickAsync("#sign-in");
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Mes cartes");
        await _page.FillAsync("#add-number", "0000 0000 0000");
        await _page.ClickAsync("#add");
        await Assertions.Expect(_page.Locator("#add-status")).ToContainTextAsync("Aucune carte ne porte ce numéro");
        await _page.FillAsync("#add-number", printed);
        await _page.ClickAsync("#add");
        await Assertions.Expect(_page.Locator("#add-status")).ToHaveTextAsync("Carte ajoutée à votre compte.");
        var shown = _page.Locator($"article[data-card-id='{card.Id}']");
        await Assertions.Expect(shown.Locator(".printed")).ToHaveTextAsync($"N° {printed}");
        await shown.Locator("summary").ClickAsync();
        await shown.Locator($"#name-{card.Id}").FillAsync("Carte de Léa");
        await shown.Locator(".name-form button").ClickAsync();
        await Assertions.Expect(shown.Locator("h2")).ToHaveTextAsync("Carte de Léa");

        // Reload 20 € through the sandbox's checkout, in French, and come back.
        await shown.Locator(".reload-amount").SelectOptionAsync("2000");
        await shown.Locator(".reload").ClickAsync();
        await _page.WaitForURLAsync(new Regex("/sandbox/checkout/"));
        await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        Assert.Equal("Rechargement : 20,00 €", Plain(await _page.Locator("h1").TextContentAsync() ?? ""));
        await FitsTheWidth(390);
        await Axe("fr/checkout");
        await Screenshot("checkout");
        await _page.FillAsync("#card_number", "4242 4242 4242 4242");
        await _page.ClickAsync("button[type=submit]");
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Payé");
        Assert.DoesNotContain("{", await _page.Locator("body").TextContentAsync() ?? "");
        await Axe("fr/checkout-paid");
        await _page.ClickAsync("text=Retour à mes cartes");
        await Assertions.Expect(shown.Locator(".balance")).ToHaveTextAsync(new Regex("^20,00\\s€$"));

        // A visit at the museum: the history says it in French, the reload above it as a credit.
        await host.Tap(card.Uid, TestCity.Museum);
        await _page.ReloadAsync();
        await Assertions.Expect(shown.Locator(".balance")).ToHaveTextAsync(new Regex("^18,50\\s€$"));
        var visit = shown.Locator("li.line[data-kind='fare']").First;
        await Assertions.Expect(visit.Locator(".what")).ToHaveTextAsync("The museum : entrée payée au tarif normal");
        Assert.Equal("Débit −1,50 €", Plain(await visit.Locator(".amount").TextContentAsync() ?? ""));
        Assert.Matches(new Regex(@"^\d{1,2} [a-zéû]+ \d{4}, \d{2}:\d{2}$"), await visit.Locator(".when").TextContentAsync() ?? "");
        var reload = shown.Locator("li.line[data-kind='reload-card']");
        await Assertions.Expect(reload.Locator(".what")).ToHaveTextAsync("Rechargement par carte bancaire");
        Assert.Equal("Crédit +20,00 €", Plain(await reload.Locator(".amount").TextContentAsync() ?? ""));
        await Assertions.Expect(shown.Locator(".reload-line")).ToContainTextAsync("payé et crédité");
        await Axe("fr/cards");
        await Screenshot("cards");
        await Screenshot("history", shown.Locator($"section[aria-labelledby='history-{card.Id}']"));

        // Lost: blocked at once; then the new card, by its printed number, receives what the old one held.
        await shown.Locator(".report-lost").ClickAsync();
        await shown.Locator(".confirm-lost").ClickAsync();
        await Assertions.Expect(shown.Locator(".status-line")).ToHaveTextAsync("Bloquée : déclarée perdue");
        await Assertions.Expect(shown.Locator("li.line[data-kind='blocked'] .what")).ToHaveTextAsync("Carte bloquée : déclarée perdue");
        await Axe("fr/cards-lost");
        await shown.Locator(".replacement-number").FillAsync(sparePrinted);
        await shown.Locator(".name-replacement").ClickAsync();
        await Assertions.Expect(_page.Locator("#message")).ToContainTextAsync("Nouvelle carte enregistrée");
        await Assertions.Expect(shown.Locator(".replaced")).ToContainTextAsync(sparePrinted);
        var replacement = _page.Locator($"article[data-card-id='{spare.Id}']");
        await Assertions.Expect(replacement.Locator(".balance")).ToHaveTextAsync(new Regex("^18,50\\s€$"));
        await Assertions.Expect(replacement.Locator("li.line[data-kind='transfer-in'] .what")).ToHaveTextAsync($"Transfert depuis la carte perdue N° {printed}");
        await Screenshot("replacement", shown);

        // Download my data, then close the account: the balance is paid back.
        var download = await _page.RunAndWaitForDownloadAsync(() => _page.ClickAsync("#export"));
        Assert.Equal("citypass-mes-donnees.json", download.SuggestedFilename);
        Assert.Contains(email, await File.ReadAllTextAsync((await download.PathAsync())!));
        await Assertions.Expect(_page.Locator("#export-status")).ToContainTextAsync("Fichier téléchargé");
        await _page.FillAsync("#close-iban", "FR76 3000 6000 0112 3456 7890 189");
        await _page.FillAsync("#close-holder", "Léa Martin");
        await _page.ClickAsync("#close");
        await Assertions.Expect(_page.Locator("#close-status")).ToHaveTextAsync("Cochez la case pour confirmer la fermeture.");
        await _page.CheckAsync("#close-sure");
        await _page.ClickAsync("#close");
        await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync("Compte fermé");
        Assert.Equal("Votre compte est fermé. 18,50 € vous seront remboursés par virement. Vos données personnelles sont effacées.",
            Plain(await _page.Locator("#closed-status").TextContentAsync() ?? ""));
        await Axe("fr/closed");

        Assert.Empty(_violations);
    }

    [Fact]
    public async Task Every_portal_page_passes_axe_in_French_and_in_English_and_fits_320_pixels()
    {
        var (_, email, card) = await host.CardholderWithCard(40_00);
        await host.CreateClient().Buy(card.Id, "swim-10");
        await host.Tap(card.Uid, TestCity.Pool);
        await host.Tap(card.Uid, TestCity.Museum);
        for (var i = 0; i < 5; i++)
            await host.Tap(card.Uid, TestCity.Museum);
        await host.Tap(card.Uid, TestCity.Library); // 11 lines: more than a page of the portal's history
        _page = await Phone(320, 640);

        foreach (var lang in new[] { "fr", "en" })
        {
            await _page.GotoAsync("/portal");
            await _page.ClickAsync($"[data-lang={lang}]");
            await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", lang);
            foreach (var (name, url) in new[] { ("sign-in", "/portal"), ("sign-up", "/portal#sign-up"), ("forgot", "/portal#forgot"),
                         ("reset", "/portal/reset-password?email=x%40example.test&code=abc"), ("confirm", "/portal/confirm-email?userId=x&code=y") })
            {
                await _page.GotoAsync(url);
                await Assertions.Expect(_page.Locator("h1")).Not.ToBeEmptyAsync();
                await Axe($"{lang}/{name}");
                await FitsTheWidth(320);
            }
            await _page.GotoAsync("/portal/reset-password?email=x%40example.test&code=abc");
            await _page.FillAsync("#reset-password", "Un-Mot-De-Passe-1");
            await _page.ClickAsync("#reset");
            await Assertions.Expect(_page.Locator("#reset-status")).ToHaveTextAsync(lang == "fr"
                ? "Ce lien n'est plus valable. Demandez-en un nouveau avec « Mot de passe oublié »."
                : "This link is no longer valid. Ask for a new one with \"Forgotten password\".");

            await _page.GotoAsync("/portal");
            await _page.FillAsync("#email", email);
            await _page.FillAsync("#password", Payments.Cardholders.Password);
            await _page.ClickAsync("#sign-in");
            var shown = _page.Locator($"article[data-card-id='{card.Id}']");
            await Assertions.Expect(shown.Locator("li.line[data-kind='entry-pass'] .what")).ToHaveTextAsync(lang == "fr"
                ? "The pool : entrée avec « 10 swims » (9 restantes)" : "The pool: entry with \"10 swims\" (9 left)");
            await Assertions.Expect(shown.Locator("li.line")).ToHaveCountAsync(10);
            await Assertions.Expect(_page.Locator("#sign-out")).ToBeVisibleAsync();
            await Axe($"{lang}/cards");
            await FitsTheWidth(320);
            await shown.Locator("button.older").ClickAsync();
            await Assertions.Expect(shown.Locator("li.line")).ToHaveCountAsync(11);
            await Assertions.Expect(shown.Locator("li.line").Last).ToHaveAttributeAsync("data-kind", "issued");
            await Assertions.Expect(shown.Locator("button.older")).ToBeHiddenAsync();
            if (lang == "fr")
                await Screenshot("cards-320");

            // A reload left unpaid: listed, resumed on the checkout (declined in words), then canceled.
            await shown.Locator(".reload").ClickAsync();
            await _page.WaitForURLAsync(new Regex("/sandbox/checkout/"));
            await Assertions.Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", lang);
            await FitsTheWidth(320);
            await _page.FillAsync("#card_number", "4000 0000 0000 0002");
            await _page.ClickAsync("button[type=submit]");
            await Assertions.Expect(_page.Locator("h1")).ToHaveTextAsync(lang == "fr" ? "Paiement refusé" : "Payment declined");
            await Axe($"{lang}/checkout-declined");
            await _page.GotoAsync("/portal");
            var unpaid = shown.Locator(".reload-line.reload-Failed");
            await Assertions.Expect(unpaid.Locator("a.pay")).ToBeVisibleAsync();
            await unpaid.Locator("button.cancel").ClickAsync();
            await Assertions.Expect(_page.Locator("#message")).ToHaveTextAsync(lang == "fr"
                ? "Rechargement annulé : rien n'a été débité." : "Reload canceled: nothing was charged.");
            await _page.ClickAsync("#sign-out");
        }

        Assert.Empty(_violations);
    }
}
