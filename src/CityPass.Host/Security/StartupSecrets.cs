using Npgsql;

namespace CityPass.Host.Security;

/// <summary>
/// The secrets a deployment must bring itself. Outside Development and Testing the host refuses to start while any of them
/// is missing or still the repository's value (which anyone who reads the repository knows): the master keys would let
/// them derive every card's and terminal's key, the default passwords open the database and the broker, and without
/// Stripe's keys the sandbox would credit cards for free. The sandbox stays possible with <c>Payments:AllowSandbox</c>.
/// </summary>
public static partial class StartupSecrets
{
    // The values committed in appsettings.Development.json and docker-compose.yml: fine on a laptop, never in a deployment.
    private const string RepositoryCardMaster = "fnA8rgLj3cTjgqteKYHcY0hBObzDZArpGDCmEZW3G+c=";
    private const string RepositoryTerminalMaster = "AblriMbUEcoY3m6xLhIoFs+sUeMioxc+I1UpqLh+3kU=";
    private const string RepositoryDenyListSigning = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgj1psZPCSitmYt5geDqLV7hdQzjZeVlPlTCPaAmlutkOhRANCAAQmJX/yVtvuYrSuwQ6gLZP8ZNrb1BwkxNL4TvvgFb2eDEn1o7FdyWkAreNgVGx1F0zYms2FY06nBvfmONA0Z9xZ";
    private const string RepositoryDatabasePassword = "citypass";
    private const string RepositoryBrokerPassword = "guest";

    /// <summary>Development (./run.sh, docker compose) and Testing (the integration tests) may run with the repository's values.</summary>
    public static bool MayUseRepositoryValues(IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment("Testing");

    /// <summary>Whether online reloads go to the sandbox rather than Stripe: no Stripe key configured.</summary>
    public static bool UsesSandbox(IConfiguration configuration) => string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"]);

    public static bool SandboxAllowed(IConfiguration configuration) => configuration.GetValue<bool>("Payments:AllowSandbox");

    /// <summary>One line per missing or repository secret; empty when the configuration may be deployed.</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var problems = new List<string>();
        Key("Keys:CardMaster", RepositoryCardMaster, "every card's key is derived from it (cloning, claiming unlinked cards)");
        Key("Keys:TerminalMaster", RepositoryTerminalMaster, "every terminal's key is derived from it (forged taps and offline uploads)");
        if (!string.IsNullOrWhiteSpace(configuration["Keys:PreviousCardMaster"]))
            Key("Keys:PreviousCardMaster", RepositoryCardMaster, "cards not yet re-keyed are checked with it during a rotation");
        if (!string.IsNullOrWhiteSpace(configuration["Keys:PreviousTerminalMaster"]))
            Key("Keys:PreviousTerminalMaster", RepositoryTerminalMaster, "terminals not yet re-enrolled are checked with it during a rotation");
        if ((!string.IsNullOrWhiteSpace(configuration["Keys:PreviousCardMaster"]) || !string.IsNullOrWhiteSpace(configuration["Keys:PreviousTerminalMaster"]))
            && !NodaTime.Text.InstantPattern.ExtendedIso.Parse(configuration["Keys:PreviousAcceptedUntil"] ?? "").Success)
            problems.Add("Keys:PreviousAcceptedUntil is not an ISO-8601 instant: a previous master key needs the end of its acceptance period (e.g. 2027-03-01T00:00:00Z).");
        if (configuration.GetValue<bool>("Personalisation:AllowIssuedCards"))
            problems.Add("Personalisation:AllowIssuedCards is true: the personalisation account could fetch the key of any issued card from its UID alone (cloning); it is for the Development demo only.");
        if (string.IsNullOrWhiteSpace(configuration["Keys:DenyListSigning"]))
            problems.Add("Keys:DenyListSigning is not set: terminals verify deny-list changes with its public key, and a key made up at each start would not verify after a restart (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | openssl pkcs8 -topk8 -nocrypt -outform DER | base64 -w0).");
        else if (configuration["Keys:DenyListSigning"]!.Trim() == RepositoryDenyListSigning)
            problems.Add("Keys:DenyListSigning is the repository's demo key: anyone could sign deny-list changes terminals accept; generate one.");
        if (string.IsNullOrWhiteSpace(configuration["Terminals:BrokerManagementUri"]))
            problems.Add("Terminals:BrokerManagementUri is not set: every terminal would share the host's broker login, and could read other terminals' answers (docs/terminal-protocol.md, \"Broker logins\").");

        if (string.IsNullOrWhiteSpace(configuration["DataProtection:CertificatePath"]))
            problems.Add("DataProtection:CertificatePath is not set: the token-signing key ring would be stored unencrypted in the database (a backup would be enough to mint administrator tokens).");

        if (UsesSandbox(configuration))
        {
            if (!SandboxAllowed(configuration))
                problems.Add("Stripe:SecretKey is not set: the sandbox payment provider would credit cards without payment (set Stripe:SecretKey and Stripe:WebhookSecret, or Payments:AllowSandbox=true for a demo).");
        }
        else if (string.IsNullOrWhiteSpace(configuration["Stripe:WebhookSecret"]))
        {
            problems.Add("Stripe:WebhookSecret is not set: Stripe's webhooks could not be verified.");
        }

        var database = configuration.GetConnectionString("Marten");
        if (string.IsNullOrWhiteSpace(database))
            problems.Add("ConnectionStrings:Marten is not set.");
        else if (DatabasePassword(database) is var password && (string.IsNullOrEmpty(password) || password == RepositoryDatabasePassword))
            problems.Add("ConnectionStrings:Marten has no password or the repository's default one: set the database password.");

        var broker = configuration.GetConnectionString("RabbitMq");
        if (string.IsNullOrWhiteSpace(broker))
            problems.Add("ConnectionStrings:RabbitMq is not set.");
        else if (BrokerPassword(broker) is var secret && (string.IsNullOrEmpty(secret) || secret == RepositoryBrokerPassword))
            problems.Add("ConnectionStrings:RabbitMq has no password or the repository's default one (guest): set the broker's user and password.");
        return problems;

        void Key(string name, string repositoryValue, string why)
        {
            var value = configuration[name];
            if (string.IsNullOrWhiteSpace(value))
                problems.Add($"{name} is not set: {why}.");
            else if (value.Trim() == repositoryValue)
                problems.Add($"{name} is the repository's demo key: {why}; generate one (openssl rand -base64 32).");
        }
    }

    /// <summary>
    /// Throws, naming each problem on its own line, when this environment must bring its own secrets and does not, or has no
    /// working mail relay settings (<see cref="Mail.MailOptions.Problems"/>).
    /// </summary>
    public static void Require(IHostEnvironment environment, IConfiguration configuration)
    {
        if (MayUseRepositoryValues(environment))
            return;
        // The mail relay is no secret but the same rule holds: without it nobody could confirm an address (Mail/MailOptions).
        var problems = Problems(configuration).Concat(Mail.MailOptions.Problems(configuration)).ToList();
        if (problems.Count > 0)
            throw new InvalidOperationException(
                $"CityPass refuses to start in {environment.EnvironmentName} with missing or repository secrets (docs/security.md):"
                + string.Concat(problems.Select(p => Environment.NewLine + "  - " + p)));
    }

    /// <summary>The sandbox outside Development and Testing runs only because someone set Payments:AllowSandbox: say so loudly.</summary>
    public static void WarnOfSandbox(IHostEnvironment environment, IConfiguration configuration, ILogger logger)
    {
        if (!MayUseRepositoryValues(environment) && UsesSandbox(configuration))
            SandboxInUse(logger, environment.EnvironmentName);
    }

    [LoggerMessage(Level = LogLevel.Critical,
        Message = "Payments:AllowSandbox is set in {Environment}: online reloads go to the SANDBOX provider, which credits cards without any payment. Never in a real deployment.")]
    private static partial void SandboxInUse(ILogger logger, string environment);

    private static string? DatabasePassword(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString).Password;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string? BrokerPassword(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.UserInfo.Split(':', 2) is [_, var password]
            ? Uri.UnescapeDataString(password)
            : null;
}
