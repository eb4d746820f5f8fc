using System.Diagnostics;
using CityPass.Host.Security;
using Microsoft.Extensions.Configuration;

namespace CityPass.IntegrationTests.Security;

/// <summary>A deployment never runs with the repository's secrets: outside Development and Testing the host refuses to start.</summary>
public class StartupSecretsTests
{
    [Fact]
    public async Task The_host_started_in_Production_with_the_repository_settings_exits_naming_each_secret()
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.Combine(Processes.Root, "src", "CityPass.Host") };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CityPass.Host.dll"));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["SecretsDirectory"] = Path.Combine(Path.GetTempPath(), "citypass-no-secrets-" + Guid.NewGuid().ToString("N"));

        var result = await Processes.Run(start, TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, result.ExitCode);
        foreach (var secret in new[] { "Keys:CardMaster", "Keys:TerminalMaster", "Keys:DenyListSigning", "Terminals:BrokerManagementUri", "DataProtection:CertificatePath", "Stripe:SecretKey", "ConnectionStrings:Marten", "ConnectionStrings:RabbitMq" })
            Assert.Contains(secret, result.All);
    }

    [Fact]
    public void Each_secret_is_named_on_its_own_line_and_a_configured_deployment_passes()
    {
        var repository = Settings(new());
        var problems = StartupSecrets.Problems(repository);
        Assert.Equal(8, problems.Count); // protocol 2 added the deny-list signing key and the broker's management API
        Assert.All(problems, p => Assert.DoesNotContain('\n', p));

        var deployed = Settings(DeployedSecrets());
        Assert.Empty(StartupSecrets.Problems(deployed));
    }

    [Fact]
    public void The_sandbox_outside_Development_needs_the_explicit_setting_and_a_Stripe_key_needs_its_webhook_secret()
    {
        Assert.Contains(StartupSecrets.Problems(Settings(new())), p => p.StartsWith("Stripe:SecretKey", StringComparison.Ordinal));
        Assert.DoesNotContain(StartupSecrets.Problems(Settings(new() { ["Payments:AllowSandbox"] = "true" })), p => p.StartsWith("Stripe:", StringComparison.Ordinal));
        Assert.Contains(StartupSecrets.Problems(Settings(new() { ["Stripe:SecretKey"] = "sk_live_x" })), p => p.StartsWith("Stripe:WebhookSecret", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rotation_needs_the_end_of_its_acceptance_period_and_personalising_issued_cards_is_for_Development_only()
    {
        var previous = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Assert.Contains(StartupSecrets.Problems(Settings(new() { ["Keys:PreviousCardMaster"] = previous })),
            p => p.StartsWith("Keys:PreviousAcceptedUntil", StringComparison.Ordinal));
        Assert.DoesNotContain(StartupSecrets.Problems(Settings(new() { ["Keys:PreviousCardMaster"] = previous, ["Keys:PreviousAcceptedUntil"] = "2027-03-01T00:00:00Z" })),
            p => p.StartsWith("Keys:Previous", StringComparison.Ordinal));
        Assert.Contains(StartupSecrets.Problems(Settings(new() { ["Personalisation:AllowIssuedCards"] = "true" })),
            p => p.StartsWith("Personalisation:AllowIssuedCards", StringComparison.Ordinal));
    }

    /// <summary>Every secret a deployment must bring, set to values of its own (the other startup tests build on it).</summary>
    public static Dictionary<string, string?> DeployedSecrets() => new()
    {
        ["Keys:CardMaster"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["Keys:TerminalMaster"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["DataProtection:CertificatePath"] = "/run/secrets/dataprotection.pfx",
        ["Stripe:SecretKey"] = "sk_live_x",
        ["Stripe:WebhookSecret"] = "whsec_x",
        ["ConnectionStrings:Marten"] = "Host=db;Database=citypass;Username=citypass;Password=s3cret-from-the-vault",
        ["ConnectionStrings:RabbitMq"] = "amqp://citypass:s3cret@broker:5672/",
        ["Keys:DenyListSigning"] = Convert.ToBase64String(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKey()),
        ["Terminals:BrokerManagementUri"] = "https://citypass-terminals:s3cret@broker:15671/",
    };

    /// <summary>The repository's appsettings.json with <paramref name="overrides"/> on top.</summary>
    private static IConfiguration Settings(Dictionary<string, string?> overrides) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Processes.Root, "src", "CityPass.Host", "appsettings.json"))
            .AddInMemoryCollection(overrides)
            .Build();
}
