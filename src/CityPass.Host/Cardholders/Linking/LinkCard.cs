using CityPass.Host.Accounts;
using CityPass.Host.Cards.Reading;
using Microsoft.AspNetCore.Identity;

namespace CityPass.Host.Cardholders.Linking;

public sealed record LinkCardRequest(Guid? CardId);

public sealed record LinkedCard(Guid CardId, string AccountId, string Email, Instant LinkedAt);

/// <summary>
/// An administrator attaches an issued card to a cardholder's account (at the desk, after checking who holds it).
/// A card belongs to one account; linking it again to the same account changes nothing.
/// </summary>
public static class LinkCard
{
    public static void MapLinkCard(this IEndpointRouteBuilder app) =>
        app.MapPost("/admin/accounts/{email}/cards", Handle)
            .RequireAuthorization(AccountsSetup.AdministratorPolicy)
            .WithName("LinkCardToAccount")
            .WithSummary("Administrator: attach an issued card to a cardholder's account.");

    private static async Task<Results<Created<LinkedCard>, Ok<LinkedCard>, ProblemHttpResult>> Handle(
        string email, LinkCardRequest? request, UserManager<CardholderUser> users, IDocumentStore store, IClock clock, CancellationToken ct)
    {
        if (request?.CardId is not { } cardId)
            return Problems.BadRequest("Missing card", "cardId is required.");
        if (await users.FindByEmailAsync(email) is not { } user)
            return Problems.NotFound("Unknown account", $"No cardholder account has the e-mail {email}.");
        if (!user.EmailConfirmed)
            return Problems.Conflict("E-mail not confirmed",
                $"The account {email} has not confirmed its e-mail address: ask the cardholder to follow the link they were sent, then link the card.");

        await using var session = store.LightweightSession();
        if (await session.LoadAsync<Card>(cardId, ct) is null)
            return ReadCard.NoSuchCard(cardId.ToString());
        if (await session.LoadAsync<CardOwnership>(cardId, ct) is { } existing)
            return existing.AccountId == user.Id
                ? TypedResults.Ok(new LinkedCard(cardId, user.Id, email, existing.LinkedAt))
                : Problems.Conflict("Card already linked", $"Card {cardId} belongs to another account; unlink it there first.");

        var ownership = new CardOwnership(cardId, user.Id, clock.GetCurrentInstant());
        session.Insert(ownership);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (ConflictRetry.IsConflict(e))
        {
            return Problems.Conflict("Card already linked", $"Card {cardId} was linked to an account at the same moment; look again.");
        }
        return TypedResults.Created($"/admin/accounts/{email}/cards", new LinkedCard(cardId, user.Id, email, ownership.LinkedAt));
    }
}
