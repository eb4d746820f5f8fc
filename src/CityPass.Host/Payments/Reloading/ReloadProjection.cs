using CityPass.Domain.Payments;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CityPass.Host.Payments.Reloading;

/// <summary>Folds a reload's stream into its <see cref="Reload"/> state, inline (same transaction as its events).</summary>
public sealed partial class ReloadProjection : SingleStreamProjection<Reload, Guid>
{
    public ReloadProjection()
    {
        // Only the streams of these events are this projection's: without it, Marten would load a Reload document
        // for every stream a session writes (a card's included), one round trip per projection.
        foreach (var type in Reload.EventTypes)
            IncludeType(type);
    }

    public override Reload? Evolve(Reload? snapshot, Guid id, IEvent e) => (snapshot, e.Data) switch
    {
        (null, ReloadRequested requested) => Reload.From(requested),
        (not null, var data) => snapshot.Evolve(data),
        _ => snapshot,
    };
}

/// <summary>Finds a reload from its PaymentIntent id (charge and dispute events carry only that).</summary>
public sealed record PaymentIntentLink(string Id, Guid ReloadId);

/// <summary>A cardholder's request to reload, under its Idempotency-Key: a repeat finds the same reload.</summary>
/// <remarks>
/// The key is checked and answered as the card commands' (<see cref="Infrastructure.Idempotency"/>), but not stored as their
/// receipt (<see cref="Cards.IdempotencyRecord"/>): a card command is final when it commits, so its repeat gets the
/// receipt as it was; a reload goes on after its commit (the PaymentIntent is created outside the transaction), so its
/// repeat reads the reload as it now stands and resumes it where the first request stopped.
/// </remarks>
public sealed record ReloadRequestRecord(string Id, Guid ReloadId, Guid CardId, long AmountCents)
{
    public static string IdFor(string accountId, string idempotencyKey) => $"reload-request/{accountId}/{idempotencyKey}";
}

public static class ReloadMetadata
{
    public const string ReloadId = "citypass_reload_id";
    public const string CardId = "citypass_card_id";

    /// <summary>The key Stripe dedupes PaymentIntent creation on: one reload, one PaymentIntent.</summary>
    public static string StripeIdempotencyKey(Guid reloadId) => $"citypass-reload-{reloadId}";

    /// <summary>The key of the reload's one cancellation, whoever asks for it (its holder, the expiry, a retry).</summary>
    public static string CancelIdempotencyKey(Guid reloadId) => $"citypass-reload-cancel-{reloadId}";
}
