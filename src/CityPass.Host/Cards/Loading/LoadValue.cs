using CityPass.Domain;
using CityPass.Domain.Cards;
using CityPass.Host.Cards.Reading;
using CityPass.Host.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using NodaTime;

namespace CityPass.Host.Cards.Loading;

/// <param name="AmountCents">What to add, in euro cents.</param>
public sealed record LoadValueRequest(long? AmountCents);

/// <summary>The outcome of a load; a repeat of the same Idempotency-Key returns it again.</summary>
public sealed record LoadReceipt(Guid CardId, string IdempotencyKey, long AmountCents, long BalanceCents, string Source, Instant LoadedAt);

/// <summary>Remembers a load under its Idempotency-Key, written in the same transaction as the event.</summary>
public sealed record LoadRecord(string Id, LoadReceipt Receipt)
{
    public static string IdFor(string idempotencyKey) => $"admin-load/{idempotencyKey}";
}

public static class LoadValue
{
    public const string AdminSource = "admin";
    public const int MaxKeyLength = 200;

    public static void MapLoadValue(this IEndpointRouteBuilder app) =>
        app.MapPost("/cards/{id:guid}/loads", Handle)
            .WithName("LoadValue")
            .WithSummary("An administrator's credit to a card. Requires an Idempotency-Key header; a repeat returns the first receipt.");

    private static async Task<Results<Created<LoadReceipt>, ProblemHttpResult>> Handle(
        Guid id,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        LoadValueRequest? request,
        HttpContext http,
        IDocumentStore store,
        IClock clock,
        IOptions<LedgerOptions> ledger,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > MaxKeyLength)
            return Problems.BadRequest("Missing Idempotency-Key",
                $"Send an Idempotency-Key header (1 to {MaxKeyLength} characters) so that a retried load is applied once.");
        if (request?.AmountCents is not { } cents)
            return Problems.BadRequest("Missing amount", "amountCents is required (a whole number of euro cents).");
        var limits = ledger.Value.ToLimits();
        var amount = Money.FromCents(cents);
        if (limits.CheckLoad(amount) is { } invalid)
            return Problems.BadRequest("Invalid amount", invalid);

        return await ConflictRetry.RunAsync<Results<Created<LoadReceipt>, ProblemHttpResult>>(async token =>
        {
            await using var session = store.LightweightSession();
            var prior = await session.LoadAsync<LoadRecord>(LoadRecord.IdFor(idempotencyKey), token);
            if (prior is not null)
            {
                if (prior.Receipt.CardId != id || prior.Receipt.AmountCents != cents)
                    return Problems.Unprocessable("Idempotency-Key reused",
                        $"The key '{idempotencyKey}' was already used for a different load ({prior.Receipt.AmountCents} cents to card {prior.Receipt.CardId}).");
                http.Response.Headers["Idempotent-Replayed"] = "true";
                return Created(prior.Receipt);
            }

            var stream = await session.Events.FetchForWriting<Card>(id, token);
            if (stream.Aggregate is not { } card)
                return ReadCard.NoSuchCard(id.ToString());

            var (loaded, refusal) = CardDecisions.Decide(card, new Domain.Cards.LoadValue(amount, AdminSource, idempotencyKey), limits, clock.GetCurrentInstant());
            if (refusal is not null)
                return Problems.Unprocessable("Load refused", refusal.Message);

            var receipt = new LoadReceipt(id, idempotencyKey, cents, loaded!.BalanceAfter.Cents, AdminSource, loaded.LoadedAt);
            stream.AppendOne(loaded);
            session.Insert(new LoadRecord(LoadRecord.IdFor(idempotencyKey), receipt));
            await session.SaveChangesAsync(token);
            return Created(receipt);
        }, ct);
    }

    private static Created<LoadReceipt> Created(LoadReceipt receipt) =>
        TypedResults.Created($"/cards/{receipt.CardId}/history", receipt);
}
