using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using CityPass.Domain.Security;
using CityPass.Host.Schemes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Terminals;

/// <summary>
/// A terminal's HTTP calls (<c>GET /deny-list</c>, <c>POST /terminals/{id}/offline-taps</c>) are signed with its key, as its
/// messages are: headers <c>CityPass-Terminal</c> (its id), <c>CityPass-Time</c> (Unix milliseconds, within the allowed clock
/// skew) and <c>CityPass-Signature</c> (HMAC-SHA256 over <see cref="TerminalSignature.ForHttpRequest"/>, which binds the
/// method, path and query, the time and the body's hash). Checked before the endpoint reads or writes anything; a request
/// without the headers is anonymous.
/// </summary>
public static class TerminalAuthentication
{
    public const string Scheme = "CityPass-Terminal";
    public const string TerminalHeader = "CityPass-Terminal";
    public const string TimeHeader = "CityPass-Time";
    public const string SignatureHeader = "CityPass-Signature";
    public const string TerminalClaim = "citypass:terminal";

    /// <summary>An enrolled terminal's signature, or an administrator's bearer token.</summary>
    public const string Policy = "terminal-or-administrator";

    public static IServiceCollection AddTerminalAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TerminalAuthenticationHandler>(Scheme, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(IdentityConstants.BearerScheme, Scheme)
            .RequireAssertion(c => c.User.IsInRole(Accounts.AccountsSetup.AdministratorRole) || c.User.HasClaim(x => x.Type == TerminalClaim)));
        return services;
    }

    /// <summary>The terminal that signed the request; null for an administrator.</summary>
    public static string? SigningTerminal(this ClaimsPrincipal user) => user.FindFirst(TerminalClaim)?.Value;
}

public sealed class TerminalAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IDocumentStore store, SchemeCache schemes, TapVerifier verifier, IClock clock, IOptions<TerminalOptions> terminals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers[TerminalAuthentication.TerminalHeader].ToString() is not { Length: > 0 } terminalId)
            return AuthenticateResult.NoResult();
        if (!long.TryParse(Request.Headers[TerminalAuthentication.TimeHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var time))
            return AuthenticateResult.Fail($"{TerminalAuthentication.TimeHeader} is the time of the call in Unix milliseconds.");
        if (Math.Abs(clock.GetCurrentInstant().ToUnixTimeMilliseconds() - time) > terminals.Value.MaxClockSkewSeconds * 1000L)
            return AuthenticateResult.Fail($"{TerminalAuthentication.TimeHeader} is more than {terminals.Value.MaxClockSkewSeconds} s from CityPass's clock.");

        await using var session = store.QuerySession();
        var scheme = await schemes.CurrentAsync(session, Context.RequestAborted);
        if (scheme.Terminals.GetValueOrDefault(terminalId) is not { CanSign: true })
            return AuthenticateResult.Fail($"Terminal {terminalId} is not enrolled in the scheme, or is decommissioned.");

        // The body is hashed as it was sent (bounded by the request size limit), then read again by the endpoint.
        Request.EnableBuffering();
        using var body = new MemoryStream();
        await Request.Body.CopyToAsync(body, Context.RequestAborted);
        Request.Body.Position = 0;
        var canonical = TerminalSignature.ForHttpRequest(Request.Method, Request.PathBase.Add(Request.Path).ToUriComponent() + Request.QueryString.ToUriComponent(),
            terminalId, time, body.ToArray());
        if (verifier.TerminalProblem(scheme, terminalId, canonical, Request.Headers[TerminalAuthentication.SignatureHeader].ToString()) is { } problem)
            return AuthenticateResult.Fail(problem);
        var identity = new ClaimsIdentity([new Claim(TerminalAuthentication.TerminalClaim, terminalId)], TerminalAuthentication.Scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), TerminalAuthentication.Scheme));
    }
}
