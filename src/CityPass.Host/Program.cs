using CityPass.Domain;
using CityPass.Host.Accounts;
using CityPass.Host.Cards.Blocking;
using CityPass.Host.Cardholders;
using CityPass.Host.Cards.Issuing;
using CityPass.Host.Cards.Loading;
using CityPass.Host.Cards.Reading;
using CityPass.Host.Demo;
using CityPass.Host.Infrastructure;
using CityPass.Host.Cards.Concessions;
using CityPass.Host.Cards.Purchasing;
using CityPass.Host.Schemes;
using CityPass.Host.Payments;
using CityPass.Host.Taps.Offline;
using CityPass.Host.Terminals;
using CityPass.Host.Finance;
using CityPass.Host.Operations.AdminConsole;
using CityPass.Host.Operations.FailedMessages;
using CityPass.Host.Operations.Monitoring;
using CityPass.Host.Operations.Telemetry;
using CityPass.Host.Operations;
using Marten;
using NodaTime;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddSingleton<IClock>(SystemClock.Instance);
builder.Services.Configure<LedgerOptions>(builder.Configuration.GetSection("Ledger"));
builder.Services.Configure<TerminalOptions>(builder.Configuration.GetSection("Terminals"));
builder.Services.AddSingleton(new KeyRing(builder.Configuration.GetSection("Keys").Get<KeyOptions>() ?? new KeyOptions()));
builder.Services.AddSingleton<TapVerifier>();
builder.Services.AddSingleton<IncidentLog>();
builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions));
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
builder.Services.AddOpenApi(o => o.AddSchemaTransformer<NodaTimeSchemaTransformer>());
builder.Services.AddCityPassMarten(builder.Configuration);
builder.Services.AddCityPassMessaging(builder.Configuration);
builder.Services.AddCityPassHealth(builder.Configuration);
builder.Services.AddCityPassAccounts(builder.Configuration);
builder.Services.AddCityPassPayments(builder.Configuration);
builder.Services.AddCityPassFinance(builder.Configuration);
builder.Services.AddCityPassCardholders(builder.Configuration);
builder.Services.AddCityPassFailedMessages();
builder.Services.AddCityPassTelemetry(builder.Configuration);
builder.Services.AddCityPassMonitoring(builder.Configuration);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapOpenApi();
app.UseSwaggerUI(o =>
{
    o.SwaggerEndpoint("/openapi/v1.json", "CityPass v1");
    o.RoutePrefix = "swagger";
});
app.MapGet("/", () => Results.Redirect("/swagger")).ExcludeFromDescription();
app.MapCityPassHealth();
app.MapAccounts();

// The scheme's administrators: cards at the desk, the scheme, terminals and keys.
var administration = app.MapGroup("").RequireAuthorization(AccountsSetup.AdministratorPolicy);
administration.MapIssueCard();
administration.MapReadCard();
administration.MapLoadValue();
administration.MapBlockCard();
administration.MapPurchaseProduct();
administration.MapGrantConcession();
administration.MapReadScheme();
administration.MapChangeScheme();
administration.MapTerminalEnrolment();
administration.MapTerminalHealth();
administration.MapSequenceGaps();

// Terminals: what they send is signed message by message (docs/terminal-protocol.md), not by an HTTP login.
app.MapDenyList();
app.MapOfflineTaps();
app.MapPublicVenues();

app.MapPayments();
app.MapCardholders();
app.MapFinance();
app.MapFailedMessages();
app.MapAdminConsole();
app.MapCityPassMetrics();

if (HostCommands.Run(app.Services, args) is { } command)
    return await command;

if (app.Configuration.GetValue<bool>("Demo:Seed"))
    await DemoCity.SeedAsync(app.Services.GetRequiredService<IDocumentStore>(), app.Services.GetRequiredService<IClock>(),
        app.Configuration.GetSection("Ledger").Get<LedgerOptions>()?.ToLimits() ?? MoneyLimits.Default, app.Logger, CancellationToken.None);

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
