using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CityPass.IntegrationTests.Portal;

/// <summary>
/// The host on a real loopback port (Kestrel), for a real browser: Debian's Chromium driven by Playwright. ./test.sh
/// installs Chromium (scripts/chromium.sh); without it these tests fail with the reason, they never skip.
/// </summary>
public class PortalHost : CityPassHost
{
    public const string Chromium = "/usr/bin/chromium";

    public PortalHost() => UseKestrel(o => o.Listen(IPAddress.Loopback, 0));

    public string BaseUrl => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchChromium()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: run ./test.sh (scripts/chromium.sh installs Debian's chromium).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return (playwright, browser);
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalHost>
{
    public const string Name = "CityPass host on a real port, for Chromium";
}
