using CityPass.Host.Privacy;

namespace CityPass.Host.Cards.Reading;

/// <summary>A page of a card's statement, newest first; pass <see cref="NextBefore"/> as <c>before</c> for the next page.</summary>
public sealed record CardHistoryPage(Guid CardId, IReadOnlyList<CardHistoryLine> Lines, long? NextBefore);

public static class ReadCard
{
    public const int MaxPageSize = 200;

    public static void MapReadCard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/cards/{id:guid}", GetById).WithName("GetCard").WithSummary("A card's balance and state.");
        app.MapGet("/cards/by-uid/{uid}", GetByUid).WithName("GetCardByUid").WithSummary("Find a card by its chip UID.");
        app.MapGet("/cards/{id:guid}/history", GetHistory).WithName("GetCardHistory")
            .WithSummary("A card's statement, newest first, a page at a time.");
    }

    private static async Task<Results<Ok<CardView>, ProblemHttpResult>> GetById(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<Card>(id, ct) is { } card
            ? TypedResults.Ok(CardView.From(card))
            : NoSuchCard(id.ToString());

    private static async Task<Results<Ok<CardView>, ProblemHttpResult>> GetByUid(string uid, IQuerySession session, CancellationToken ct)
    {
        if (!CardUid.TryParse(uid, out var parsed, out var error))
            return Problems.BadRequest("Invalid card UID", error);
        var card = await session.Query<Card>().Where(c => c.Uid == parsed.Value.Value).SingleOrDefaultAsync(ct);
        return card is null ? NoSuchCard(parsed.Value.Value) : TypedResults.Ok(CardView.From(card));
    }

    private static async Task<Results<Ok<CardHistoryPage>, ProblemHttpResult>> GetHistory(
        Guid id, IQuerySession session, VisitPseudonymisation visits, CancellationToken ct, int limit = 50, long? before = null)
    {
        if (limit is < 1 or > MaxPageSize)
            return Problems.BadRequest("Invalid page size", $"limit must be between 1 and {MaxPageSize} (got {limit}).");
        if (await session.LoadAsync<Card>(id, ct) is null)
            return NoSuchCard(id.ToString());
        // Staff see the statement as the holder does: visits past their identifiable period pseudonymised.
        return TypedResults.Ok(await CardStatement.PageAsync(session, id, limit, before, visits.AsOfNow(), ct));
    }

    public static ProblemHttpResult NoSuchCard(string id) => Problems.NotFound("Unknown card", $"No card {id} was issued.");
}
