using System.Security.Claims;
using CityPass.Host.Cards;
using CityPass.Host.Cards.Reading;

namespace CityPass.Host.Cardholders;

/// <summary>The signed-in cardholder's own cards; another's card answers 404, exactly like a card that does not exist.</summary>
public static class MyCards
{
    public static void MapMyCards(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Cardholder");
        me.MapGet("/cards", List).WithName("ListMyCards").WithSummary("The cards of my account, with balance, debt and reloads in flight.");
        me.MapGet("/cards/{id:guid}", Get).WithName("GetMyCard").WithSummary("One of my cards.");
        me.MapGet("/cards/{id:guid}/history", History).WithName("GetMyCardHistory").WithSummary("One of my cards' statement, newest first.");
    }

    private static async Task<Ok<IReadOnlyList<CardView>>> List(ClaimsPrincipal user, IQuerySession session, CancellationToken ct)
    {
        var accountId = user.AccountId();
        var ids = await session.Query<CardOwnership>().Where(o => o.AccountId == accountId).Select(o => o.Id).ToListAsync(ct);
        var cards = await session.LoadManyAsync<Card>(ct, ids);
        return TypedResults.Ok<IReadOnlyList<CardView>>(cards.OrderBy(c => c.IssuedAt).Select(CardView.From).ToList());
    }

    private static async Task<Results<Ok<CardView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, IQuerySession session, CancellationToken ct) =>
        await session.OwnedCardAsync(user.AccountId(), id, ct) is { } card ? TypedResults.Ok(CardView.From(card)) : NotYours(id);

    private static async Task<Results<Ok<CardHistoryPage>, ProblemHttpResult>> History(
        Guid id, ClaimsPrincipal user, IQuerySession session, CancellationToken ct, int limit = 50, long? before = null)
    {
        if (limit is < 1 or > ReadCard.MaxPageSize)
            return Problems.BadRequest("Invalid page size", $"limit must be between 1 and {ReadCard.MaxPageSize} (got {limit}).");
        if (await session.OwnedCardAsync(user.AccountId(), id, ct) is null)
            return NotYours(id);
        return TypedResults.Ok(await ReadCard.HistoryPage(session, id, limit, before, ct));
    }

    public static ProblemHttpResult NotYours(Guid cardId) =>
        Problems.NotFound("Unknown card", $"Card {cardId} is not one of your account's cards.");
}
