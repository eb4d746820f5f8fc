using System.Net.Http.Json;
using System.Net.Sockets;
using CityPass.Contracts.Terminals;
using CityPass.Host.Taps;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Testing;
using Npgsql;

namespace CityPass.IntegrationTests;

/// <summary>
/// The real host (HTTP API and MassTransit consumers) against the real PostgreSQL and RabbitMQ that ./test.sh starts.
/// Each run gets its own Marten schema and its own tap queue, dropped at the end, so runs never see each other
/// nor a CityPass started by ./run.sh. A missing service fails the tests with the reason; nothing is skipped.
/// </summary>
public class CityPassHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly string PostgresConnection = Environment.GetEnvironmentVariable("CITYPASS_TEST_POSTGRES")
        ?? "Host=127.0.0.1;Port=5433;Database=citypass_test;Username=citypass;Password=citypass;Maximum Pool Size=100";

    public static readonly string RabbitMqUri = Environment.GetEnvironmentVariable("CITYPASS_TEST_RABBITMQ")
        ?? "amqp://guest:guest@127.0.0.1:5672/";

    private readonly string _run;
    private readonly bool _sharing;

    public CityPassHost() : this(null)
    {
    }

    /// <summary>
    /// A host of its own, or (with <paramref name="shareWith"/>) a second instance on the same schema, queues, clock and
    /// servers. <paramref name="broker"/> points a host of its own at other RabbitMQ nodes (default: the shared node),
    /// <paramref name="postgres"/> at another PostgreSQL (default: the shared one).
    /// </summary>
    protected CityPassHost(CityPassHost? shareWith, TestBroker? broker = null, string? postgres = null, string? run = null)
    {
        _run = shareWith?._run ?? run ?? Guid.NewGuid().ToString("N")[..10];
        _sharing = shareWith is not null;
        Broker = shareWith?.Broker ?? broker ?? TestBroker.Shared;
        Clock = shareWith?.Clock ?? new FakeClock(Start - Duration.FromDays(2), Duration.FromMilliseconds(1));
        Postgres = shareWith?.Postgres ?? postgres ?? PostgresConnection;
        Mailbox = shareWith?.Mailbox ?? new TestMailbox();
    }

    /// <summary>This host's PostgreSQL connection string: <see cref="PostgresConnection"/> unless a subclass gave another.</summary>
    public string Postgres { get; }

    /// <summary>Wednesday 25 November 2026, 18:00 in Rennes.</summary>
    public static readonly Instant Start = Instant.FromUtc(2026, 11, 25, 17, 0);

    /// <summary>
    /// Each reading advances it by a millisecond. The test city is defined two days before <see cref="Start"/> (tariffs
    /// take effect when defined, never in the past), so that offline taps of the last day find their prices.
    /// </summary>
    public FakeClock Clock { get; }

    public string Schema => $"test_{_run}";

    /// <summary>The SMTP server the host sends its mail to (a second instance sends to the first one's).</summary>
    public TestMailbox Mailbox { get; }

    /// <summary>The RabbitMQ node(s) this host uses, and whether its queues are quorum queues.</summary>
    public TestBroker Broker { get; }

    public TestTerminals Terminals => _terminals ??= new TestTerminals(this);
    private TestTerminals? _terminals;

    public string TapQueue => $"citypass-taps-test-{_run}";

    public string OfflineTapQueue => $"citypass-offline-taps-test-{_run}";

    public string HeartbeatQueue => $"citypass-heartbeats-test-{_run}";

    public const string AdministratorEmail = "admin@citypass.test";
    public const string AdministratorPassword = "Admin-Pass-2026";

    public const string FinanceEmail = "finance@citypass.test";
    public const string FinancePassword = "Finance-Pass-2026";

    public const string PersonalisationEmail = "personalisation@citypass.test";
    public const string PersonalisationPassword = "Personalisation-Pass-2026";

    /// <summary>The tests' own master keys (the repository's demo keys are Development's, appsettings.Development.json).</summary>
    public const string CardMasterKey = "EXb8eLYpmHQaI9+Zc7LlMat5QODQXlWJwQQ1GLZF9F4=";
    public const string TerminalMasterKey = "g9jI4vAiCt4BaB0azEbV5JTI2DzbSA6jFO/kzly5nQE=";

    /// <summary>The tests' deny-list signing key (ECDSA P-256, PKCS#8): every host of a test run signs with the same one.</summary>
    public const string DenyListSigningKey = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYFgZZGc7u5JWZ0vd+TJnnlTvQo0KCK9XKv3IEqnKoHuhRANCAASHO+D1wgegKinD+F7mKfybO7CTMatuw76Jj+UWxj3WlaZvF+VxAprYGuPOBYPJfLF8PLQsHpZDzeSy/+ySV3iu";

    /// <summary>The webhook secret tests sign their Stripe events with, as Stripe would with the dashboard's.</summary>
    public const string WebhookSecret = "whsec_test_citypass_integration";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Marten", Postgres);
        builder.UseSetting("ConnectionStrings:RabbitMq", Broker.Uri);
        builder.UseSetting("Keys:CardMaster", CardMasterKey);
        builder.UseSetting("Keys:TerminalMaster", TerminalMasterKey);
        builder.UseSetting("Keys:DenyListSigning", DenyListSigningKey);
        if (Broker.OtherNodes.Count > 0)
            builder.UseSetting("RabbitMq:ClusterNodes", string.Join(",", Broker.OtherNodes));
        if (Broker.QuorumQueues)
            builder.UseSetting("RabbitMq:QuorumQueues", "true");
        builder.UseSetting("Marten:Schema", Schema);
        builder.UseSetting("Terminals:TapQueue", TapQueue);
        builder.UseSetting("Terminals:OfflineTapQueue", OfflineTapQueue);
        builder.UseSetting("Terminals:HeartbeatQueue", HeartbeatQueue);
        builder.UseSetting("Terminals:ConcurrentTaps", "16");
        builder.UseSetting("Terminals:TapWriters", "2"); // whatever the machine's cores: the tests race two writers
        builder.UseSetting("Demo:Seed", "false");
        builder.UseSetting("Accounts:AdministratorEmail", AdministratorEmail);
        builder.UseSetting("Accounts:AdministratorPassword", AdministratorPassword);
        builder.UseSetting("Accounts:FinanceEmail", FinanceEmail);
        builder.UseSetting("Accounts:FinancePassword", FinancePassword);
        builder.UseSetting("Accounts:PersonalisationEmail", PersonalisationEmail);
        builder.UseSetting("Accounts:PersonalisationPassword", PersonalisationPassword);
        builder.UseSetting("Finance:CommissionBasisPoints:city", "1000");
        builder.UseSetting("Stripe:WebhookSecret", WebhookSecret);
        builder.UseSetting("Monitoring:PollSeconds", "1");
        builder.UseSetting("Mail:Host", "127.0.0.1");
        builder.UseSetting("Mail:Port", Mailbox.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Mail:Security", "None");
        builder.UseSetting("Mail:From", "CityPass <no-reply@citypass.test>");
        builder.UseSetting("Mail:PortalBaseUrl", "https://citypass.test");
        builder.UseSetting("Mail:PollSeconds", "1");
        builder.UseSetting("Mail:RetryMinSeconds", "1");
        builder.UseSetting("Mail:RetryMaxSeconds", "2");
        // The suite signs in and posts anonymously far more often than a person: Security/RateLimitTests checks the limits.
        builder.UseSetting("RateLimits:AccountPerMinute", "1000000");
        builder.UseSetting("RateLimits:AnonymousWritesPerMinute", "1000000");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IClock>(Clock);
        });
        ConfigureMore(builder);
    }

    private string? _administratorToken;

    /// <summary>
    /// Clients from <c>CreateClient()</c> act as the scheme's administrator (the desk, the scheme, terminals), as the
    /// tests of those endpoints need; <see cref="Anonymous"/> is a client with no identity at all.
    /// </summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        if (_administratorToken is not null)
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _administratorToken);
    }

    /// <summary>
    /// Signs the administrator in again: clients created afterwards carry a fresh access token (a token lives an hour; the
    /// city bench measures after a build of more than that).
    /// </summary>
    public async Task RenewAdministratorTokenAsync() => _administratorToken = await AdministratorTokenAsync();

    public HttpClient Anonymous()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    private async Task<string> AdministratorTokenAsync()
    {
        var http = CreateClient();
        // The administrator is seeded as the host starts.
        var login = await Eventually.ReadAsync(
            () => http.PostAsJsonAsync("/account/login", new { email = AdministratorEmail, password = AdministratorPassword }),
            response => response.IsSuccessStatusCode, "the test administrator signed in", TimeSpan.FromSeconds(5));
        return (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private Task<HttpClient>? _personalisation;

    /// <summary>The personalisation machine's client (role <c>personalisation</c>: cards' keys), signed in once.</summary>
    public Task<HttpClient> Personalisation() => _personalisation ??= SignInPersonalisationAsync();

    private async Task<HttpClient> SignInPersonalisationAsync()
    {
        var http = Anonymous();
        var login = await Eventually.ReadAsync(
            () => http.PostAsJsonAsync("/account/login", new { email = PersonalisationEmail, password = PersonalisationPassword }),
            response => response.IsSuccessStatusCode, "the test personalisation machine signed in", TimeSpan.FromSeconds(5));
        var token = (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Settings of a fixture that needs a differently configured host (real Stripe client against a stub).</summary>
    protected virtual void ConfigureMore(IWebHostBuilder builder)
    {
    }

    /// <summary>Defines the test city; a host started on a restored schema (the bench's city) finds it defined already.</summary>
    protected virtual Task DefineCityAsync(HttpClient http) => TestCity.DefineAsync(http, Start);

    public async Task InitializeAsync()
    {
        var postgres = new NpgsqlConnectionStringBuilder(Postgres);
        await RequireService("PostgreSQL", $"{postgres.Host}:{postgres.Port}", async () =>
        {
            await using var connection = new NpgsqlConnection(Postgres);
            await connection.OpenAsync();
        });
        await RequireService("RabbitMQ", Broker.Describe(), async () =>
        {
            await using var connection = await Broker.ConnectAsync();
        });
        StartServer(); // starts the host (TestServer, or Kestrel for the browser tests): Marten schema, bus, receive endpoints
        await Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
        _administratorToken = await AdministratorTokenAsync();
        await DefineCityAsync(CreateClient());
        Clock.Reset(Start);
    }

    /// <summary>Sends a tap as a terminal does and returns the answer: a <see cref="TapAuthorized"/> or a <see cref="TapDeclined"/>.</summary>
    public async Task<object> Decide(AuthorizeTap tap)
    {
        var response = await TapClient().GetResponse<TapAuthorized, TapDeclined>(tap);
        if (response.Is(out Response<TapAuthorized>? authorized))
        {
            TestTerminals.RefuseUnverified(tap, authorized!.Message, authorized.RequestId, authorized.Headers.Get<string>(AnswerCanonical.Header));
            return authorized.Message;
        }
        if (!response.Is(out Response<TapDeclined>? declined))
            throw new InvalidOperationException("No reply type matched.");
        TestTerminals.RefuseUnverified(tap, declined!.Message, declined.RequestId, declined.Headers.Get<string>(AnswerCanonical.Header));
        return declined.Message;
    }

    public IRequestClient<AuthorizeTap> TapClient() =>
        Services.GetRequiredService<IBus>().CreateRequestClient<AuthorizeTap>(new Uri($"queue:{TapQueue}"), RequestTimeout.After(s: 30));

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_sharing)
            return; // the schema, the queues and the mailbox belong to the first host
        await Mailbox.DisposeAsync();
        await using (var connection = new NpgsqlConnection(Postgres))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE; DROP SCHEMA IF EXISTS {Schema}_erasure_log CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        if (Broker.Discarded)
            return;
        await using var rabbit = await Broker.ConnectAsync();
        await using var channel = await rabbit.CreateChannelAsync();
        foreach (var queue in new[] { TapQueue, OfflineTapQueue, HeartbeatQueue })
        {
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
            await channel.ExchangeDeleteAsync(queue);
            foreach (var failed in new[] { queue + "_error", queue + "_skipped" })
            {
                await channel.QueueDeleteAsync(failed, ifUnused: false, ifEmpty: false);
                await channel.ExchangeDeleteAsync(failed);
            }
        }
    }

    private static async Task RequireService(string name, string address, Func<Task> probe)
    {
        try
        {
            await probe();
        }
        catch (Exception e) when (e is SocketException or NpgsqlException or RabbitMQ.Client.Exceptions.BrokerUnreachableException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"{name} does not answer on {address}. The integration tests need it: run ./test.sh, which starts it. ({e.Message})", e);
        }
    }
}

/// <summary>
/// Where a test host finds RabbitMQ: the node of <paramref name="Uri"/> (user, password, virtual host) and the other
/// nodes of its cluster (<c>host:port</c>), tried in turn; <paramref name="QuorumQueues"/> declares the host's queues as
/// quorum queues. <paramref name="Discarded"/>: the test deletes the whole broker at the end, so the host leaves its queues
/// (deleting a quorum queue while one of its nodes is down takes seconds each).
/// </summary>
public sealed record TestBroker(string Uri, IReadOnlyList<string> OtherNodes, bool QuorumQueues, bool Discarded = false)
{
    /// <summary>The one node ./test.sh starts, classic durable queues: what every test but the cluster's uses.</summary>
    public static readonly TestBroker Shared = new(CityPassHost.RabbitMqUri, [], false);

    public string Describe()
    {
        var first = new Uri(Uri);
        return string.Join(", ", new[] { first.Port > 0 ? $"{first.Host}:{first.Port}" : first.Host }.Concat(OtherNodes));
    }

    /// <summary>A connection to the first node that answers.</summary>
    public async Task<RabbitMQ.Client.IConnection> ConnectAsync()
    {
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(Uri) };
        if (OtherNodes.Count == 0)
            return await factory.CreateConnectionAsync();
        var endpoints = OtherNodes.Select(n => n.Split(':')).Select(p => new RabbitMQ.Client.AmqpTcpEndpoint(p[0], p.Length > 1 ? int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture) : -1));
        return await factory.CreateConnectionAsync([factory.Endpoint, .. endpoints]);
    }
}

[CollectionDefinition(Name)]
public sealed class CityPassCollection : ICollectionFixture<CityPassHost>
{
    public const string Name = "CityPass host on real PostgreSQL and RabbitMQ";
}
