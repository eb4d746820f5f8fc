using CityPass.Domain.Schemes;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Host.Cards.Purchasing;

/// <param name="StartDate">Passes and free entries: the first local day (today when omitted).</param>
public sealed record PurchaseRequest(string? ProductId, LocalDate? StartDate);

/// <summary>What was bought, for how much and how the price was found; a repeat of the Idempotency-Key returns it again.</summary>
public sealed record PurchaseReceipt(Guid CardId, Right Right, PriceBreakdown Price, long BalanceCents, Instant PurchasedAt);

public static class PurchaseProduct
{
    public static void MapPurchaseProduct(this IEndpointRouteBuilder app) =>
        app.MapPost("/cards/{id:guid}/purchases", Handle)
            .WithName("PurchaseProduct")
            .WithSummary("Buy a carnet, pass, event ticket or membership with stored value, at the holder's concession price. Requires an Idempotency-Key.");

    private static async Task<Results<Created<PurchaseReceipt>, Ok<PurchaseReceipt>, ProblemHttpResult>> Handle(
        Guid id,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        PurchaseRequest? request,
        HttpContext http,
        IDocumentStore store,
        IClock clock,
        CancellationToken ct)
    {
        if (Idempotency.Check(idempotencyKey) is { } missing)
            return missing;
        if (string.IsNullOrWhiteSpace(request?.ProductId))
            return Infrastructure.Problems.BadRequest("Missing product", "productId is required.");

        var rightId = Guid.CreateVersion7();
        return await CardCommands.RunAsync(
            store, id, new Idempotency("purchase", idempotencyKey!, $"buy {request.ProductId} from {request.StartDate:yyyy-MM-dd} on card {id}"),
            (card, scheme) => CardDecisions.Decide(card, scheme, new Domain.Cards.PurchaseProduct(rightId, request.ProductId, request.StartDate, idempotencyKey!),
                clock.GetCurrentInstant()),
            (card, e) => e is ProductPurchased bought
                ? new PurchaseReceipt(id, bought.Right, bought.Price, card.Balance.Cents, bought.PurchasedAt)
                : throw new InvalidOperationException("A purchase decision appends a ProductPurchased."),
            http, ct);
    }
}
