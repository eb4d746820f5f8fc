using CityPass.Domain.Schemes;
using CityPass.Host.Schemes;

namespace CityPass.Host.Terminals;

/// <summary>The credentials handed to a terminal at enrolment, once: provision the key into the terminal's secure storage.</summary>
/// <param name="Key">The terminal's HMAC key, base64. CityPass derives it again from its master key; it is stored nowhere.</param>
public sealed record TerminalCredentials(string TerminalId, string VenueId, int KeyVersion, string Key);

public sealed record DecommissionRequest(string? Reason);

public static class Enrolment
{
    public static void MapTerminalEnrolment(this IEndpointRouteBuilder app)
    {
        var terminals = app.MapGroup("/terminals").WithTags("Terminals");
        terminals.MapPost("/{id}/enrol", Enrol)
            .WithSummary("Enrol a terminal attached to a venue (PUT /scheme/terminals/{id} first): returns its key. Enrolling again rotates the key.");
        terminals.MapPost("/{id}/decommission", async Task<Results<Ok<Terminal>, ProblemHttpResult>> (
                string id, DecommissionRequest? request, IDocumentStore store, IClock clock, CancellationToken ct) =>
            {
                var (scheme, refusal) = await SchemeWriter.ChangeAsync(store, s => SchemeDecisions.Decommission(s, id, request?.Reason, clock.GetCurrentInstant()), ct);
                return refusal is null ? TypedResults.Ok(scheme!.Terminals[id]) : Problems.Refused(refusal);
            })
            .WithSummary("Decommission a terminal: its messages are refused from now on.");
        terminals.MapGet("/incidents", async (IQuerySession session, CancellationToken ct, int limit = 100) =>
                TypedResults.Ok(await session.Query<SecurityIncident>().OrderByDescending(i => i.At).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct)))
            .WithSummary("Forged, replayed or stale terminal messages, cloned cards and offline taps to review, newest first.");
    }

    private static async Task<Results<Ok<TerminalCredentials>, ProblemHttpResult>> Enrol(
        string id, IDocumentStore store, IClock clock, KeyRing keys, CancellationToken ct)
    {
        var (scheme, refusal) = await SchemeWriter.ChangeAsync(store, s => SchemeDecisions.Enrol(s, id, clock.GetCurrentInstant()), ct);
        if (refusal is not null)
            return Problems.Refused(refusal);
        var terminal = scheme!.Terminals[id];
        return TypedResults.Ok(new TerminalCredentials(id, terminal.VenueId, terminal.KeyVersion, Convert.ToBase64String(keys.TerminalKey(id, terminal.KeyVersion))));
    }
}
