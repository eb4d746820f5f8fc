using CityPass.Host.Privacy;
using CityPass.Host.Schemes;

namespace CityPass.Host.Cards.Concessions;

/// <param name="Evidence">A reference to the evidence seen (e.g. "CAF attestation 2026-118842"), never the document itself.</param>
public sealed record GrantConcessionRequest(string? ProfileId, LocalDate? ValidFrom, LocalDate? ValidTo, string? Evidence);

public static class GrantConcession
{
    public static void MapGrantConcession(this IEndpointRouteBuilder app) =>
        app.MapPost("/cards/{id:guid}/concessions", Handle)
            .WithName("GrantConcession")
            .WithSummary("Grant a concession profile to a card between two local dates, on evidence seen. Requires an Idempotency-Key.");

    private static async Task<Results<Created<CardView>, Ok<CardView>, ProblemHttpResult>> Handle(
        [AsParameters] CardCommandCall call, GrantConcessionRequest? request, PersonalDataVault vault)
    {
        if (call.MissingKey is { } missing)
            return missing;
        if (request is not { ProfileId: not null, ValidFrom: { } from, ValidTo: { } to })
            return Infrastructure.Problems.BadRequest("Missing fields", "profileId, validFrom and validTo (local dates) are required.");

        var grantId = Guid.CreateVersion7();
        // The evidence reference is personal data: sealed with the card's own key, so erasure makes it unreadable in the
        // events too. The plain text is checked by the decision; only the sealed text is recorded.
        // A request the decision would refuse creates no key (bad input writes nothing).
        string? sealedEvidence = null;
        var plain = new Domain.Cards.GrantConcession(grantId, request.ProfileId, from, to, request.Evidence!);
        await using (var query = call.Store.QuerySession())
        {
            if (await query.LoadAsync<Card>(call.Id, call.Ct) is { } card
                && CardDecisions.Decide(card, await SchemeWriter.ReadAsync(query, call.Ct), plain, call.Now).Refusal is null)
                sealedEvidence = await vault.SealAsync(Subjects.Card(call.Id), request.Evidence!, call.Ct);
        }
        return await call.RunAsync(
            "concession", $"grant {request.ProfileId} {from:yyyy-MM-dd}..{to:yyyy-MM-dd} to card {call.Id}",
            (card, scheme) => CardDecisions.Decide(card, scheme, plain with { RecordedEvidence = sealedEvidence }, call.Now) switch
            {
                // Refused when checked before sealing, accepted now (the card changed meanwhile): never record the evidence in clear.
                ({ }, null) when sealedEvidence is null =>
                    (null, new Refusal("evidence-not-sealed", "The card changed while the concession was being granted; send the request again.")),
                var decided => decided,
            },
            (card, _) => CardView.From(card));
    }
}
