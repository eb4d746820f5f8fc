namespace CityPass.Host.Cards.Blocking;

/// <param name="Reason">Why: lost, stolen, fraud, debt, found…</param>
public sealed record CardStatusChangeRequest(string? Reason);

public static class BlockCard
{
    public const int MaxReasonLength = 200;

    public static void MapBlockCard(this IEndpointRouteBuilder app)
    {
        app.MapPost("/cards/{id:guid}/block", (Guid id, CardStatusChangeRequest? request, HttpContext http, IDocumentStore store, IClock clock, CancellationToken ct) =>
                Change(id, request, http, store, ct, card => CardDecisions.Decide(card, new Domain.Cards.BlockCard(request!.Reason!), clock.GetCurrentInstant())))
            .WithName("BlockCard")
            .WithSummary("Block a card: every tap is declined. Blocking a blocked card changes nothing.");
        app.MapPost("/cards/{id:guid}/unblock", (Guid id, CardStatusChangeRequest? request, HttpContext http, IDocumentStore store, IClock clock, CancellationToken ct) =>
                Change(id, request, http, store, ct, card => CardDecisions.Decide(card, new UnblockCard(request!.Reason!), clock.GetCurrentInstant())))
            .WithName("UnblockCard")
            .WithSummary("Put a blocked card back into service.");
    }

    private static async Task<Results<Created<CardView>, Ok<CardView>, ProblemHttpResult>> Change(
        Guid id, CardStatusChangeRequest? request, HttpContext http, IDocumentStore store, CancellationToken ct, Func<Card, object?> decide)
    {
        if (string.IsNullOrWhiteSpace(request?.Reason) || request.Reason.Length > MaxReasonLength)
            return Problems.BadRequest("Missing reason", $"reason is required (1 to {MaxReasonLength} characters).");
        return await CardCommands.RunAsync(store, id, null, (card, _) => (decide(card), null), (card, _) => CardView.From(card), http, ct);
    }
}
