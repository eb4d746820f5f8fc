using CityPass.Domain.Cards;
using CityPass.Host.Cards.Reading;
using CityPass.Host.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace CityPass.Host.Cards.Blocking;

/// <param name="Reason">Why: lost, stolen, fraud, debt, found…</param>
public sealed record CardStatusChangeRequest(string? Reason);

public static class BlockCard
{
    public const int MaxReasonLength = 200;

    public static void MapBlockCard(this IEndpointRouteBuilder app)
    {
        app.MapPost("/cards/{id:guid}/block", Block).WithName("BlockCard")
            .WithSummary("Block a card: every tap is declined. Blocking a blocked card changes nothing.");
        app.MapPost("/cards/{id:guid}/unblock", Unblock).WithName("UnblockCard")
            .WithSummary("Put a blocked card back into service.");
    }

    private static Task<Results<Ok<CardView>, ProblemHttpResult>> Block(
        Guid id, CardStatusChangeRequest? request, IDocumentStore store, IClock clock, CancellationToken ct) =>
        Change(id, request, store, ct, card => CardDecisions.Decide(card, new Domain.Cards.BlockCard(request!.Reason!), clock.GetCurrentInstant()));

    private static Task<Results<Ok<CardView>, ProblemHttpResult>> Unblock(
        Guid id, CardStatusChangeRequest? request, IDocumentStore store, IClock clock, CancellationToken ct) =>
        Change(id, request, store, ct, card => CardDecisions.Decide(card, new UnblockCard(request!.Reason!), clock.GetCurrentInstant()));

    private static async Task<Results<Ok<CardView>, ProblemHttpResult>> Change(
        Guid id, CardStatusChangeRequest? request, IDocumentStore store, CancellationToken ct, Func<Card, object?> decide)
    {
        if (string.IsNullOrWhiteSpace(request?.Reason) || request.Reason.Length > MaxReasonLength)
            return Problems.BadRequest("Missing reason", $"reason is required (1 to {MaxReasonLength} characters).");

        return await ConflictRetry.RunAsync<Results<Ok<CardView>, ProblemHttpResult>>(async token =>
        {
            await using var session = store.LightweightSession();
            var stream = await session.Events.FetchForWriting<Card>(id, token);
            if (stream.Aggregate is not { } card)
                return ReadCard.NoSuchCard(id.ToString());

            var decided = decide(card);
            if (decided is null)
                return TypedResults.Ok(CardView.From(card));

            var after = card.Evolve(decided);
            stream.AppendOne(decided);
            await session.SaveChangesAsync(token);
            return TypedResults.Ok(CardView.From(after));
        }, ct);
    }
}
