using System.Security.Claims;
using CityPass.Host.Accounts;
using CityPass.Host.Cards;
using CityPass.Host.Cards.Reading;

namespace CityPass.Host.Cardholders.Linking;

/// <param name="Uid">The card's UID (as a phone's NFC reader shows it); optional: the printed number alone finds the card.</param>
/// <param name="PrintedNumber">The 12 digits printed on the back of the card.</param>
public sealed record ClaimCardRequest(string? Uid, string? PrintedNumber);

public sealed record PrintedNumberView(Guid CardId, string Uid, string PrintedNumber);

/// <summary>
/// A cardholder adds a card to their account with its UID and printed number, or takes one off it. A card off every
/// account is anonymous and keeps working (its balance and rights stay on it).
/// </summary>
public static class ClaimCard
{
    public static void MapClaimCard(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Cardholder");
        me.MapPost("/cards", Claim).WithName("ClaimCard").RequireRateLimiting(Security.RateLimits.CardClaimPolicy)
            .WithSummary("Add a card to my account with the number printed on it (and its UID, optional). At most RateLimits:CardClaimsPerHour attempts an hour.");
        me.MapDelete("/cards/{id:guid}", Unlink).WithName("UnlinkMyCard").WithSummary("Take a card off my account: it becomes anonymous and keeps working.");
        app.MapGet("/admin/cards/{id:guid}/printed-number", PrintedNumberOf).RequireAuthorization(AccountsSetup.AdministratorPolicy)
            .WithTags("Cardholder").WithSummary("Administrator: the number to print on a card at personalisation.");
    }

    private static async Task<Results<Created<CardView>, Ok<CardView>, ProblemHttpResult>> Claim(
        ClaimCardRequest? request, ClaimsPrincipal user, IDocumentStore store, PrintedNumber printed, IClock clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request?.PrintedNumber))
            return Problems.BadRequest("Missing card details", "printedNumber (the 12 digits on the back of the card) is required; uid is optional.");
        if (request.Uid is { Length: > 0 } && !CardUid.TryParse(request.Uid, out _, out var why))
            return Problems.BadRequest("Invalid UID", why ?? "Not a card UID.");
        if (PrintedNumber.Digits(request.PrintedNumber) is null)
            return Problems.BadRequest("Invalid printed number", "printedNumber is the 12 digits printed on the back of the card.");
        // One answer for an unknown card and a wrong number: the endpoint must not confirm which cards exist.
        var wrong = Problems.NotFound("Card not found", "No card has that printed number.");

        var accountId = user.AccountId();
        await using var session = store.LightweightSession();
        if (await FindAsync(session, printed, request.Uid, request.PrintedNumber, ct) is not { } card)
            return wrong;
        if (await session.LoadAsync<CardOwnership>(card.Id, ct) is { } existing)
            return existing.AccountId == accountId
                ? TypedResults.Ok(CardView.From(card))
                : Problems.Conflict("Card already linked", "This card belongs to another account. Ask at a CityPass desk.");
        session.Insert(new CardOwnership(card.Id, accountId, clock.GetCurrentInstant()));
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (ConflictRetry.IsConflict(e))
        {
            return Problems.Conflict("Card already linked", "This card was linked to an account at the same moment.");
        }
        return TypedResults.Created($"/me/cards/{card.Id}", CardView.From(card));
    }

    /// <summary>
    /// The card with that printed number (and UID, when given); null for a wrong number or UID, the same for both so that
    /// nothing tells which exist. Without a UID, the printed number's lookup entry finds the card.
    /// </summary>
    public static async Task<Card?> FindAsync(IQuerySession session, PrintedNumber printed, string? uid, string? printedNumber, CancellationToken ct)
    {
        if (PrintedNumber.Digits(printedNumber) is not { } digits)
            return null;
        if (string.IsNullOrWhiteSpace(uid))
        {
            foreach (var id in printed.LookupIds(digits))
                if (await session.LoadAsync<PrintedNumberEntry>(id, ct) is { } entry
                    && await session.LoadAsync<Card>(entry.CardId, ct) is { } found && printed.Matches(found.Uid, digits))
                    return found;
            return null;
        }
        if (!CardUid.TryParse(uid, out var parsed, out _) || !printed.Matches(parsed!.Value.Value, digits))
            return null;
        var canonical = parsed.Value.Value;
        return await session.Query<Card>().FirstOrDefaultAsync(c => c.Uid == canonical, ct);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Unlink(Guid id, ClaimsPrincipal user, IDocumentStore store, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        if (await session.OwnedCardAsync(user.AccountId(), id, ct) is null)
            return MyCards.NotYours(id);
        session.Delete<CardOwnership>(id);
        await session.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<PrintedNumberView>, ProblemHttpResult>> PrintedNumberOf(Guid id, IQuerySession session, PrintedNumber printed, CancellationToken ct) =>
        await session.LoadAsync<Card>(id, ct) is { } card
            ? TypedResults.Ok(new PrintedNumberView(card.Id, card.Uid, printed.For(card.Uid)))
            : ReadCard.NoSuchCard(id.ToString());
}
