namespace CityPass.Host.Cards.Issuing;

/// <param name="Uid">The UID the card's chip reports (4, 7 or 10 bytes in hex).</param>
public sealed record IssueCardRequest(string? Uid);

public static class IssueCard
{
    public static void MapIssueCard(this IEndpointRouteBuilder app) =>
        app.MapPost("/cards", Handle)
            .WithName("IssueCard")
            .WithSummary("Issue a card for a chip UID; a UID can be issued only once.");

    private static async Task<Results<Created<CardView>, ProblemHttpResult>> Handle(
        IssueCardRequest? request, IDocumentStore store, IClock clock, CancellationToken ct)
    {
        if (!CardUid.TryParse(request?.Uid, out var uid, out var error))
            return Problems.BadRequest("Invalid card UID", error);

        var result = await Issue(store, uid.Value, clock.GetCurrentInstant(), ct);
        return result.Card is { } card
            ? TypedResults.Created($"/cards/{card.Id}", CardView.From(card))
            : Problems.Conflict("Card UID already issued", $"A card with UID {uid} was already issued.",
                new Dictionary<string, object?> { ["cardId"] = result.ExistingCardId });
    }

    /// <summary>Starts the card's stream. The unique index on the UID settles two issuers racing for one UID.</summary>
    public static async Task<(Card? Card, Guid? ExistingCardId)> Issue(IDocumentStore store, CardUid uid, Instant now, CancellationToken ct)
    {
        var written = await store.WriteOnceAsync<(Card? Card, Guid? ExistingCardId)?>(async (session, token) =>
        {
            var existing = await session.Query<Card>().Where(c => c.Uid == uid.Value).Select(c => c.Id).ToListAsync(token);
            if (existing.Count > 0)
                return (null, existing[0]);
            var id = Guid.CreateVersion7();
            var issued = new CardIssued(id, uid.Value, now);
            session.Events.StartStream<Card>(id, issued);
            return (Card.From(issued), null);
        }, ct);
        if (written is { } outcome)
            return outcome;
        await using var query = store.QuerySession();
        var winner = await query.Query<Card>().Where(c => c.Uid == uid.Value).Select(c => c.Id).ToListAsync(ct);
        return (null, winner.Count > 0 ? winner[0] : null);
    }
}
