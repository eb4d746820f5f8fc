using System.Security.Claims;
using CityPass.Host.Cardholders;
using Marten.Patching;

namespace CityPass.Host.Accounts;

/// <param name="Language">"fr" or "en".</param>
public sealed record AccountLanguageRequest(string? Language);

/// <summary>The language of the signed-in cardholder's e-mails (the portal sets it when the resident switches language).</summary>
public static class AccountLanguage
{
    public static void MapAccountLanguage(this IEndpointRouteBuilder app) =>
        app.MapPut("/me/language", async Task<Results<NoContent, ProblemHttpResult>> (AccountLanguageRequest? request, ClaimsPrincipal user, IDocumentStore store, CancellationToken ct) =>
            {
                if (request?.Language is not ("fr" or "en"))
                    return Problems.BadRequest("Invalid language", "language is \"fr\" or \"en\".");
                await using var session = store.LightweightSession();
                session.Patch<CardholderUser>(user.AccountId()).Set(u => u.Language, request.Language);
                await session.SaveChangesAsync(ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization().WithTags("Cardholder").WithName("SetMyLanguage")
            .WithSummary("The signed-in cardholder: the language of my e-mails (fr, the default, or en).");
}
