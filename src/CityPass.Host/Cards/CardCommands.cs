using System.Text.Json;
using CityPass.Domain.Schemes;
using CityPass.Host.Cards.Reading;
using CityPass.Host.Schemes;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Host.Cards;

/// <summary>The receipt of an HTTP write under an Idempotency-Key, stored in the same transaction as the write's event.</summary>
/// <param name="Fingerprint">What was asked; the same key with another request is refused.</param>
public sealed record IdempotencyRecord(string Id, string Fingerprint, string ReceiptJson);

/// <summary>
/// Every command to a card: the card (and the scheme), a pure decision, the event appended with its idempotency record,
/// written by <see cref="Writes"/>.
/// </summary>
public static class CardCommands
{
    public static async Task<Results<Created<T>, Ok<T>, ProblemHttpResult>> RunAsync<T>(
        IDocumentStore store,
        Guid cardId,
        Idempotency? idempotency,
        Func<Card, Scheme, (object? Event, Refusal? Refusal)> decide,
        Func<Card, object?, T> receipt,
        HttpContext http,
        CancellationToken ct)
    {
        return await store.WriteAsync<Results<Created<T>, Ok<T>, ProblemHttpResult>>(async (session, token) =>
        {
            if (idempotency is not null && await session.LoadAsync<IdempotencyRecord>(idempotency.RecordId, token) is { } prior)
            {
                if (prior.Fingerprint != idempotency.Fingerprint)
                    return Idempotency.Reused(idempotency.Key, $"a different request ({prior.Fingerprint})");
                Idempotency.MarkReplayed(http.Response);
                return TypedResults.Created($"/cards/{cardId}", JsonSerializer.Deserialize<T>(prior.ReceiptJson, Json.Options)!);
            }

            var stream = await session.Events.FetchForWriting<Card>(cardId, token);
            if (stream.Aggregate is not { } card)
                return ReadCard.NoSuchCard(cardId.ToString());
            var scheme = await SchemeWriter.ReadAsync(session, token);

            var (change, refusal) = decide(card, scheme);
            if (refusal is not null)
                return Problems.Refused(refusal);
            if (change is null)
                return TypedResults.Ok(receipt(card, null));

            var result = receipt(card.Evolve(change), change);
            stream.AppendOne(change);
            if (idempotency is not null)
                session.Insert(new IdempotencyRecord(idempotency.RecordId, idempotency.Fingerprint, JsonSerializer.Serialize(result, Json.Options)));
            return idempotency is null ? TypedResults.Ok(result) : TypedResults.Created($"/cards/{cardId}", result);
        }, ct);
    }
}

/// <summary>
/// What every idempotent command endpoint on a card binds (<c>[AsParameters]</c>): the card in the route, the Idempotency-Key
/// header, the request, the store and the clock; then it runs through <see cref="CardCommands.RunAsync{T}"/>.
/// </summary>
public sealed record CardCommandCall(
    Guid Id,
    [property: FromHeader(Name = "Idempotency-Key")] string? IdempotencyKey,
    HttpContext Http,
    IDocumentStore Store,
    IClock Clock,
    CancellationToken Ct)
{
    /// <summary>The refusal of a missing or malformed Idempotency-Key, or null.</summary>
    public ProblemHttpResult? MissingKey => Idempotency.Check(IdempotencyKey);

    public Instant Now => Clock.GetCurrentInstant();

    /// <param name="scope">The kind of command, so one key used for two kinds is two receipts.</param>
    /// <param name="fingerprint">What was asked; the same key with another request is refused.</param>
    public Task<Results<Created<T>, Ok<T>, ProblemHttpResult>> RunAsync<T>(
        string scope, string fingerprint, Func<Card, Scheme, (object? Event, Refusal? Refusal)> decide, Func<Card, object?, T> receipt) =>
        CardCommands.RunAsync(Store, Id, new Idempotency(scope, IdempotencyKey!, fingerprint), decide, receipt, Http, Ct);
}
