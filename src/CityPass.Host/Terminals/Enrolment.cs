using CityPass.Domain.Schemes;
using CityPass.Host.Schemes;

namespace CityPass.Host.Terminals;

/// <summary>The credentials handed to a terminal at enrolment, once: provision the key into the terminal's secure storage.</summary>
/// <param name="Key">The terminal's HMAC key, base64. CityPass derives it again from its master key; it is stored nowhere.</param>
/// <param name="DenyListPublicKey">The scheme's deny-list public key (ECDSA P-256, SubjectPublicKeyInfo DER, base64): what
/// deny-list pushes and re-sync pages are verified with.</param>
/// <param name="Broker">The terminal's own RabbitMQ login; null where terminals share one (Development without the
/// management plugin).</param>
public sealed record TerminalCredentials(string TerminalId, string VenueId, int KeyVersion, string Key, string DenyListPublicKey, BrokerCredentials? Broker);

public sealed record DecommissionRequest(string? Reason);

public static class Enrolment
{
    public static void MapTerminalEnrolment(this IEndpointRouteBuilder app)
    {
        var terminals = app.MapGroup("/terminals").WithTags("Terminals");
        terminals.MapPost("/{id}/enrol", Enrol)
            .WithSummary("Enrol a terminal attached to a venue (PUT /scheme/terminals/{id} first): returns its key, the deny-list public key and its broker login. Enrolling again rotates the key and the login.");
        terminals.MapPost("/{id}/decommission", async Task<Results<Ok<Terminal>, ProblemHttpResult>> (
                string id, DecommissionRequest? request, IDocumentStore store, IClock clock, BrokerAccounts broker, CancellationToken ct) =>
            {
                var (scheme, refusal) = await SchemeWriter.ChangeAsync(store, s => SchemeDecisions.Decommission(s, id, request?.Reason, clock.GetCurrentInstant()), ct);
                if (refusal is not null)
                    return Problems.Refused(refusal);
                try
                {
                    await broker.RevokeAsync(id, ct);
                }
                catch (BrokerAccountException e)
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Broker login not revoked",
                        detail: $"Terminal {id} is decommissioned (its signatures are refused), but its RabbitMQ user could not be deleted: {e.Message} Decommission it again.");
                }
                return TypedResults.Ok(scheme!.Terminals[id]);
            })
            .WithSummary("Decommission a terminal: its messages are refused from now on, its broker login deleted and its connections closed.");
        terminals.MapGet("/incidents", async (IQuerySession session, CancellationToken ct, int limit = 100) =>
                TypedResults.Ok(await session.Query<SecurityIncident>().OrderByDescending(i => i.At).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct)))
            .WithSummary("Forged, replayed or stale terminal messages, cloned cards and offline taps to review, newest first.");
    }

    private static async Task<Results<Ok<TerminalCredentials>, ProblemHttpResult>> Enrol(
        string id, IDocumentStore store, IClock clock, KeyRing keys, DenyListSigner denyList, BrokerAccounts broker, CancellationToken ct)
    {
        var (scheme, refusal) = await SchemeWriter.ChangeAsync(store, s => SchemeDecisions.Enrol(s, id, clock.GetCurrentInstant()), ct);
        if (refusal is not null)
            return Problems.Refused(refusal);
        var terminal = scheme!.Terminals[id];
        BrokerCredentials? login;
        try
        {
            login = await broker.ProvisionAsync(id, terminal.KeyVersion, ct);
        }
        catch (BrokerAccountException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Broker login not provisioned",
                detail: $"Terminal {id} has key version {terminal.KeyVersion}, but its RabbitMQ user could not be set: {e.Message} Enrol it again.");
        }
        return TypedResults.Ok(new TerminalCredentials(id, terminal.VenueId, terminal.KeyVersion, Convert.ToBase64String(keys.TerminalKey(id, terminal.KeyVersion)),
            denyList.PublicKey, login));
    }
}
