using System.Security.Claims;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Identity;

namespace CityPass.Host.Accounts;

/// <summary>Section <c>Accounts</c>: the administrator, finance and personalisation users created at start when set (nobody otherwise).</summary>
public sealed class AccountsOptions
{
    public string? AdministratorEmail { get; set; }
    public string? AdministratorPassword { get; set; }
    public string? FinanceEmail { get; set; }
    public string? FinancePassword { get; set; }
    public string? PersonalisationEmail { get; set; }
    public string? PersonalisationPassword { get; set; }
}

/// <summary>
/// Cardholder accounts with ASP.NET Core Identity's API endpoints (<c>/account/register</c>, <c>/account/login</c>
/// returning bearer tokens, <c>/account/refresh</c>…), users in Marten, and an "administrator" role claim.
/// </summary>
public static class AccountsSetup
{
    public const string AdministratorPolicy = "administrator";
    public const string AdministratorRole = "administrator";

    /// <summary>Finance staff: the ledger, closes, settlements, reconciliation. Separate from administrators.</summary>
    public const string FinancePolicy = "finance";
    public const string FinanceRole = "finance";

    /// <summary>The personalisation machine: fetches cards' keys to write them into chips. Nothing else, and no administrator.</summary>
    public const string PersonalisationPolicy = "personalisation";
    public const string PersonalisationRole = "personalisation";

    public static IServiceCollection AddCityPassAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AccountsOptions>(configuration.GetSection("Accounts"));
        services.AddIdentityApiEndpoints<CardholderUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Lockout.MaxFailedAccessAttempts = 10;
                o.Password.RequiredLength = 12;
                // Whoever registers someone else's address must not be able to sign in, nor have the desk link cards to it.
                o.SignIn.RequireConfirmedEmail = true;
            })
            .AddUserStore<MartenUserStore>()
            .AddSignInManager<SerializedSignInManager>();
        // Identity's mails go through the mail outbox (Mail/), like every other mail.
        services.AddHttpContextAccessor();
        services.AddSingleton<OutboxEmailSender>();
        services.AddSingleton<IEmailSender<CardholderUser>>(sp => sp.GetRequiredService<OutboxEmailSender>());
        services.AddAuthorizationBuilder()
            .AddPolicy(AdministratorPolicy, p => p.RequireRole(AdministratorRole))
            .AddPolicy(FinancePolicy, p => p.RequireRole(FinanceRole))
            .AddPolicy(PersonalisationPolicy, p => p.RequireRole(PersonalisationRole));

        services.ConfigureMarten(o =>
        {
            o.Schema.For<CardholderUser>().UniqueIndex(u => u.NormalizedUserName!).Index(u => u.NormalizedEmail!);
            o.Schema.For<DataProtectionKey>();
        });

        // Bearer tokens are data-protected: every instance of the host must share the key ring, so it lives in PostgreSQL.
        var dataProtection = services.AddDataProtection().SetApplicationName("CityPass");
        // Keys at rest: encrypted with a certificate (required outside Development, see Security/StartupSecrets), so a
        // database backup alone cannot mint tokens.
        if (configuration["DataProtection:CertificatePath"] is { Length: > 0 } certificate)
            dataProtection.ProtectKeysWithCertificate(
                System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(certificate, configuration["DataProtection:CertificatePassword"]));
        services.AddOptions<KeyManagementOptions>().Configure<IDocumentStore>((o, store) => o.XmlRepository = new MartenXmlRepository(store));

        services.AddHostedServiceFor<AdministratorSeeder>(HostRole.Api);
        return services;
    }

    public static void MapAccounts(this WebApplication app)
    {
        // Two-factor authentication is not supported: its endpoint is not served (it failed with 500). Sign-in gives bearer
        // tokens only: a cookie would make every endpoint open to cross-site requests, which nothing here protects against.
        app.Use((http, next) =>
            http.Request.Path.StartsWithSegments("/account/manage/2fa") ? Results.NotFound().ExecuteAsync(http)
            : http.Request.Path.StartsWithSegments("/account/login") && (http.Request.Query.ContainsKey("useCookies") || http.Request.Query.ContainsKey("useSessionCookies"))
                ? Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Cookies are not offered", detail: "Sign in for a bearer token, without useCookies.").ExecuteAsync(http)
            : next(http));
        app.UseRegistrationPrivacy();
        app.MapGroup("/account").WithTags("Account").RequireRateLimiting(Security.RateLimits.AccountPolicy).MapIdentityApi<CardholderUser>();
        app.MapAccountLanguage();
    }
}

public sealed record DataProtectionKey(string Id, string Xml);

public sealed class MartenXmlRepository(IDocumentStore store) : IXmlRepository
{
    // IXmlRepository is synchronous; it is read once per key-ring refresh, not per request.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var session = store.QuerySession();
        var keys = session.Query<DataProtectionKey>().ToListAsync().GetAwaiter().GetResult();
        return keys.Select(k => XElement.Parse(k.Xml)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var session = store.LightweightSession();
        session.Store(new DataProtectionKey(friendlyName, element.ToString(SaveOptions.DisableFormatting)));
        session.SaveChangesAsync().GetAwaiter().GetResult();
    }
}

/// <summary>Creates the configured administrator and finance user once (a repeat start finds them and changes nothing).</summary>
public sealed class AdministratorSeeder(IServiceProvider services, Microsoft.Extensions.Options.IOptions<AccountsOptions> options, ILogger<AdministratorSeeder> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await SeedAsync(options.Value.AdministratorEmail, options.Value.AdministratorPassword, AccountsSetup.AdministratorRole);
        await SeedAsync(options.Value.FinanceEmail, options.Value.FinancePassword, AccountsSetup.FinanceRole);
        await SeedAsync(options.Value.PersonalisationEmail, options.Value.PersonalisationPassword, AccountsSetup.PersonalisationRole);
    }

    private async Task SeedAsync(string? email, string? password, string role)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrWhiteSpace(password))
            return;
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<CardholderUser>>();
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            user = new CardholderUser { UserName = email, Email = email, EmailConfirmed = true };
            var created = await users.CreateAsync(user, password);
            // Another instance starting at the same moment may have created it first.
            if (!created.Succeeded && await users.FindByEmailAsync(email) is { } raced)
                user = raced;
            else if (!created.Succeeded)
                throw new InvalidOperationException($"Could not create the {role} account {email}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
        }
        if (!(await users.GetClaimsAsync(user)).Any(c => c.Type == ClaimTypes.Role && c.Value == role))
            await users.AddClaimAsync(user, new Claim(ClaimTypes.Role, role));
        logger.LogInformation("Account {Email} with role {Role} is ready", email, role);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
