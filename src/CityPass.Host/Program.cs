using CityPass.Host.Accounts;
using CityPass.Host.Cardholders;
using CityPass.Host.Cards;
using CityPass.Host.Demo;
using CityPass.Host.Finance;
using CityPass.Host.Localization;
using CityPass.Host.Mail;
using CityPass.Host.Operations;
using CityPass.Host.Operations.AdminConsole;
using CityPass.Host.Operations.FailedMessages;
using CityPass.Host.Operations.Monitoring;
using CityPass.Host.Operations.Telemetry;
using CityPass.Host.Payments;
using CityPass.Host.Schemes;
using CityPass.Host.Security;
using CityPass.Host.Taps;
using CityPass.Host.Taps.Offline;
using CityPass.Host.Terminals;

var builder = WebApplication.CreateBuilder(args);
var configuration = builder.Configuration;

// Secrets mounted by the orchestrator as files (Docker/Kubernetes secrets): /run/secrets/Keys__CardMaster is Keys:CardMaster.
configuration.AddKeyPerFile(configuration["SecretsDirectory"] ?? "/run/secrets", optional: true);
StartupSecrets.Require(builder.Environment, configuration);

// What this instance does (Roles=taps,api,background; all by default): features consult it as they register.
var roles = builder.Services.AddCityPassRoles(configuration);

// Plumbing: the clock, HTTP's JSON and problems, OpenAPI, the event store's core.
builder.Services.AddSingleton<IClock>(SystemClock.Instance);
// The wall clock, for what is timed against other machines' clocks (message headers, the broker, the mail relay); the
// scheme's time (tariffs, service days, expiries) is IClock, which the tests move.
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions).Converters.Add(new NoControlCharacters()));
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
builder.Services.AddExceptionHandler<ConflictExceptionHandler>();
builder.Services.AddOpenApi(o => o.AddSchemaTransformer<NodaTimeSchemaTransformer>().AddCityPassConventions());
builder.Services.AddCityPassMarten(configuration);

// Features: each adds its options, services, Marten documents and projections, and consumers.
builder.Services.AddCityPassLocalization();
builder.Services.AddCityPassCards(configuration);
builder.Services.AddCityPassSchemes();
builder.Services.AddCityPassTaps();
builder.Services.AddCityPassTerminals(configuration);
builder.Services.AddCityPassMail(configuration);
builder.Services.AddCityPassAccounts(configuration);
builder.Services.AddCityPassRateLimits(configuration);
builder.Services.AddCityPassHttpHardening(configuration);
builder.Services.AddCityPassPayments(configuration);
builder.Services.AddCityPassFinance(configuration);
builder.Services.AddCityPassCardholders(configuration);
builder.Services.AddCityPassTelemetry(configuration);
builder.Services.AddCityPassFailedMessages();
builder.Services.AddCityPassMonitoring(configuration);

// The bus, with the consumers the features above added (after them), and the health checks.
builder.Services.AddCityPassMessaging(configuration);
builder.Services.AddCityPassHealth(configuration);

var app = builder.Build();
StartupSecrets.WarnOfSandbox(app.Environment, app.Configuration, app.Logger);

app.UseCityPassHttpHardening();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseNoControlCharactersInUrls();
var openApi = app.MapOpenApi();
var hardened = HttpHardening.Hardened(app.Environment, app.Configuration);
if (!hardened && roles.Has(HostRole.Api))
    app.UseSwaggerUI(o =>
    {
        o.SwaggerEndpoint("/openapi/v1.json", "CityPass v1");
        o.RoutePrefix = "swagger";
    });
app.UseAuthentication();
app.UseTokenRevocation();
app.UseRateLimiter();
app.UseRequestSizeLimits(app.Configuration);
app.UseAuthorization();

app.MapCityPassHealth();

// Terminals: what they send is signed message by message (docs/terminal-protocol.md), not by an HTTP login.
if (roles.Has(HostRole.Taps))
{
    app.MapDenyList();
    app.MapOfflineTaps();
}

if (roles.Has(HostRole.Api))
{
    // The root is the cardholders' portal, in every environment (Swagger UI, where served, is at /swagger).
    app.MapGet("/", () => Results.Redirect("/portal")).ExcludeFromDescription();
    app.MapAccounts();

    // The scheme's administrators: cards at the desk, the scheme, terminals and keys.
    var administration = app.MapGroup("").RequireAuthorization(AccountsSetup.AdministratorPolicy);
    administration.MapCards();
    administration.MapSchemes();
    administration.MapTerminals();
    administration.MapSequenceGaps();
    app.MapCardPersonalisation(); // the personalisation machine's own role, not administrators
    app.MapPublicVenues();

    app.MapPayments();
    app.MapCardholders();
    app.MapLocalization(); // the pages' shared texts and formats, French first
    app.MapFinance();
    app.MapFailedMessages();
    app.MapAdminConsole();
}
app.ProtectOperationalEndpoints(openApi, app.MapCityPassMetrics());

if (HostCommands.Run(app.Services, args) is { } command)
    return await command;

if (app.Configuration.GetValue<bool>("Demo:Seed"))
    await DemoCity.SeedAsync(app.Services.GetRequiredService<IDocumentStore>(), app.Services.GetRequiredService<IClock>(),
        app.Configuration.GetSection("Ledger").Get<LedgerOptions>()?.ToLimits() ?? MoneyLimits.Default, app.Logger, CancellationToken.None);

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
