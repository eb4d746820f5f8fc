using Microsoft.Extensions.Options;
using CityPass.Domain.Security;

namespace CityPass.Host.Terminals;

/// <param name="Proof">Only to re-key a card already issued: the card's own cryptogram, read by the machine.</param>
public sealed record PersonalisationRequest(string? Uid, PossessionProof? Proof = null);

/// <summary>
/// The card's cryptogram with the key it holds, computed as for a tap with terminal id <c>personalisation</c> and sequence
/// equal to the counter: proof that the machine holds the card itself, not just its UID. Each counter once per card.
/// </summary>
public sealed record PossessionProof(long Counter, string? Cryptogram);

/// <summary>A card's diversified key, for the personalisation machine that writes it into the chip.</summary>
public sealed record CardPersonalisation(string Uid, string Key);

/// <summary>The highest counter of a card's possession proofs, so that a proof seen once cannot be replayed.</summary>
public sealed record RekeyCounter(string Id, long Counter);

/// <summary>Section <c>Personalisation</c>.</summary>
public sealed class PersonalisationOptions
{
    /// <summary>Development only (the demo simulator personalises the demo city's cards, issued at seeding): refused elsewhere at start.</summary>
    public bool AllowIssuedCards { get; set; }
}

/// <summary>
/// A card's key is what a clone needs: only the personalisation machine's account (role <c>personalisation</c>) gets it,
/// and only for a blank card (a UID not yet issued) or a card in the machine's hands (re-keying at the desk after a master
/// key rotation, with the card's possession proof). Knowing an issued card's UID, which any reader nearby can read, is not
/// enough.
/// </summary>
public static class Personalisation
{
    public const string ProofTerminalId = "personalisation";

    public static void MapCardPersonalisation(this IEndpointRouteBuilder app) =>
        app.MapPost("/cards/personalisation", Personalise)
            .RequireAuthorization(Accounts.AccountsSetup.PersonalisationPolicy)
            .WithTags("Cards")
            .WithSummary("Personalisation machine: the card's diversified key under the current master key (the master key never leaves CityPass). " +
                         "Refused (409) for a UID already issued unless the request carries the card's possession proof.");

    private static async Task<Results<Ok<CardPersonalisation>, ProblemHttpResult>> Personalise(
        PersonalisationRequest? request, KeyRing keys, IDocumentStore store, IOptions<PersonalisationOptions> options, CancellationToken ct)
    {
        if (!CityPass.Domain.CardUid.TryParse(request?.Uid, out var parsed, out var error))
            return Problems.BadRequest("Invalid card UID", error);
        var uid = parsed.Value.Value;
        await using var session = store.LightweightSession();
        var issued = await session.Query<Card>().AnyAsync(c => c.Uid == uid, ct);
        if (issued && !options.Value.AllowIssuedCards)
        {
            if (request!.Proof is not { } proof)
                return Problems.Conflict("Card already issued",
                    $"Card {uid} is already issued: its key is given only with the card's possession proof (re-keying at the desk).");
            if (!ProofVerifies(keys, uid, proof))
                return Problems.Conflict("Possession proof refused", "The card's cryptogram does not verify with any key it may hold.");
            var last = await session.LoadAsync<RekeyCounter>(uid, ct);
            if (last is not null && proof.Counter <= last.Counter)
                return Problems.Conflict("Possession proof refused", $"Counter {proof.Counter} was already used to re-key this card: read the card again.");
            if (last is null)
                session.Insert(new RekeyCounter(uid, proof.Counter));
            else
                session.Store(new RekeyCounter(uid, proof.Counter)); // optimistic: the version loaded above (TerminalsSetup)
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (Exception e) when (ConflictRetry.IsConflict(e))
            {
                return Problems.Conflict("Possession proof refused", "Another re-key of this card ran at the same time: read the card again.");
            }
        }
        return TypedResults.Ok(new CardPersonalisation(uid, Convert.ToBase64String(keys.CardKey(uid))));
    }

    /// <summary>Any key the card may have been personalised with: re-keying is for cards past their master's acceptance period too.</summary>
    private static bool ProofVerifies(KeyRing keys, string uid, PossessionProof proof) =>
        proof.Counter >= 0 && !string.IsNullOrEmpty(proof.Cryptogram)
        && keys.PrintedNumberKeys(uid).Any(key => CardCryptogram.Verify(key, uid, proof.Counter, ProofTerminalId, proof.Counter, proof.Cryptogram));
}
