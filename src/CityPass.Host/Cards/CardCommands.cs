using System.Text.Json;
using CityPass.Domain;
using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using CityPass.Host.Cards.Reading;
using CityPass.Host.Infrastructure;
using CityPass.Host.Schemes;
using CityPass.Host.Terminals;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Host.Cards;

/// <summary>The receipt of an HTTP write under an Idempotency-Key, stored in the same transaction as the write's event.</summary>
/// <param name="Fingerprint">What was asked; the same key with another request is refused.</param>
public sealed record IdempotencyRecord(string Id, string Fingerprint, string ReceiptJson);

/// <summary>An Idempotency-Key, scoped to one kind of write, and what the request asked.</summary>
public sealed record Idempotency(string Scope, string Key, string Fingerprint)
{
    public const int MaxKeyLength = 200;

    public string RecordId => $"{Scope}/{Key}";

    public static ProblemHttpResult? Check(string? key) =>
        string.IsNullOrWhiteSpace(key) || key.Length > MaxKeyLength
            ? Problems.BadRequest("Missing Idempotency-Key",
                $"Send an Idempotency-Key header (1 to {MaxKeyLength} characters) so that a retried request is applied once.")
            : null;
}

/// <summary>
/// The write path of every command to a card: a fresh session, the card (and the scheme), a pure decision, the event
/// appended and committed with its idempotency record, all retried from fresh state when another writer won a race.
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
        return await ConflictRetry.RunAsync<Results<Created<T>, Ok<T>, ProblemHttpResult>>(async token =>
        {
            await using var session = store.LightweightSession();
            if (idempotency is not null && await session.LoadAsync<IdempotencyRecord>(idempotency.RecordId, token) is { } prior)
            {
                if (prior.Fingerprint != idempotency.Fingerprint)
                    return Problems.Unprocessable("Idempotency-Key reused",
                        $"The key '{idempotency.Key}' was already used for a different request ({prior.Fingerprint}).");
                http.Response.Headers["Idempotent-Replayed"] = "true";
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
            await session.TrackDenyListAsync(token);
            await session.SaveChangesAsync(token);
            return idempotency is null ? TypedResults.Ok(result) : TypedResults.Created($"/cards/{cardId}", result);
        }, ct);
    }
}
