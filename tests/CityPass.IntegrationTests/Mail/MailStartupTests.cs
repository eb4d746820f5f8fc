using CityPass.Host.Mail;
using CityPass.Host.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;

namespace CityPass.IntegrationTests.Mail;

/// <summary>A deployment that could not mail a confirmation link does not start: nobody could register on it.</summary>
public class MailStartupTests
{
    private static readonly Dictionary<string, string?> Secrets = Security.StartupSecretsTests.DeployedSecrets();

    private static readonly Dictionary<string, string?> Relay = new()
    {
        ["Mail:Host"] = "smtp.citypass.example",
        ["Mail:User"] = "citypass",
        ["Mail:Password"] = "relay-s3cret",
        ["Mail:From"] = "CityPass <no-reply@citypass.example>",
        ["Mail:PortalBaseUrl"] = "https://citypass.example",
    };

    [Fact]
    public void In_Production_without_mail_settings_the_host_refuses_to_start_naming_each_one()
    {
        var error = Assert.Throws<InvalidOperationException>(() => StartupSecrets.Require(Production(), Settings(Secrets)));
        foreach (var setting in new[] { "Mail:Host", "Mail:From", "Mail:PortalBaseUrl" })
            Assert.Contains(setting, error.Message);
        Assert.DoesNotContain("Keys:CardMaster", error.Message);
    }

    [Fact]
    public void A_configured_relay_passes_and_a_password_over_an_unencrypted_connection_does_not()
    {
        StartupSecrets.Require(Production(), Settings(Secrets, Relay));
        Assert.Empty(MailOptions.Problems(Settings(Relay)));

        var clear = MailOptions.Problems(Settings(Relay, new Dictionary<string, string?> { ["Mail:Security"] = "None" }));
        Assert.StartsWith("Mail:Security", Assert.Single(clear), StringComparison.Ordinal);
        Assert.Contains(MailOptions.Problems(Settings(Relay, new Dictionary<string, string?> { ["Mail:PortalBaseUrl"] = "http://citypass.example" })),
            p => p.StartsWith("Mail:PortalBaseUrl", StringComparison.Ordinal));
        Assert.Contains(MailOptions.Problems(Settings(Relay, new Dictionary<string, string?> { ["Mail:From"] = "not an address" })),
            p => p.StartsWith("Mail:From", StringComparison.Ordinal));
    }

    [Fact]
    public void Development_and_Testing_start_without_a_relay()
    {
        StartupSecrets.Require(new HostingEnvironment { EnvironmentName = "Development" }, Settings());
        StartupSecrets.Require(new HostingEnvironment { EnvironmentName = "Testing" }, Settings());
    }

    private static HostingEnvironment Production() => new() { EnvironmentName = "Production" };

    private static IConfiguration Settings(params Dictionary<string, string?>[] layers)
    {
        var builder = new ConfigurationBuilder();
        foreach (var layer in layers)
            builder.AddInMemoryCollection(layer);
        return builder.Build();
    }
}
