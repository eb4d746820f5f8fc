using CityPass.Domain.Schemes;

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
        [AsParameters] CardCommandCall call, PurchaseRequest? request)
    {
        if (call.MissingKey is { } missing)
            return missing;
        if (string.IsNullOrWhiteSpace(request?.ProductId))
            return Infrastructure.Problems.BadRequest("Missing product", "productId is required.");

        var rightId = Guid.CreateVersion7();
        return await call.RunAsync(
            "purchase", $"buy {request.ProductId} from {request.StartDate:yyyy-MM-dd} on card {call.Id}",
            (card, scheme) => CardDecisions.Decide(card, scheme,
                new Domain.Cards.PurchaseProduct(rightId, request.ProductId, request.StartDate, call.IdempotencyKey!), call.Now),
            (card, e) => e is ProductPurchased bought
                ? new PurchaseReceipt(call.Id, bought.Right, bought.Price, card.Balance.Cents, bought.PurchasedAt)
                : throw new InvalidOperationException("A purchase decision appends a ProductPurchased."));
    }
}
