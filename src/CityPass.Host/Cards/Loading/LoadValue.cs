using Microsoft.Extensions.Options;

namespace CityPass.Host.Cards.Loading;

/// <param name="AmountCents">What to add, in euro cents.</param>
public sealed record LoadValueRequest(long? AmountCents);

/// <summary>The outcome of a load; a repeat of the same Idempotency-Key returns it again.</summary>
public sealed record LoadReceipt(Guid CardId, string IdempotencyKey, long AmountCents, long BalanceCents, string Source, Instant LoadedAt);

public static class LoadValue
{
    public static void MapLoadValue(this IEndpointRouteBuilder app) =>
        app.MapPost("/cards/{id:guid}/loads", Handle)
            .WithName("LoadValue")
            .WithSummary("An administrator's credit to a card. Requires an Idempotency-Key header; a repeat returns the first receipt.");

    private static async Task<Results<Created<LoadReceipt>, Ok<LoadReceipt>, ProblemHttpResult>> Handle(
        [AsParameters] CardCommandCall call, LoadValueRequest? request, IOptions<LedgerOptions> ledger)
    {
        if (call.MissingKey is { } missing)
            return missing;
        if (request?.AmountCents is not { } cents)
            return Problems.BadRequest("Missing amount", "amountCents is required (a whole number of euro cents).");
        var limits = ledger.Value.ToLimits();
        var amount = Money.FromCents(cents);
        if (limits.CheckLoad(amount) is { } invalid)
            return Problems.BadRequest("Invalid amount", invalid);

        var key = call.IdempotencyKey!;
        return await call.RunAsync(
            "admin-load", $"load {cents} cents to card {call.Id}",
            (card, _) => CardDecisions.Decide(card, new Domain.Cards.LoadValue(amount, LoadSource.Admin, key), limits, call.Now),
            (card, loaded) => new LoadReceipt(call.Id, key, cents, card.Balance.Cents, LoadSource.Admin.Code, ((ValueLoaded)loaded!).LoadedAt));
    }
}
