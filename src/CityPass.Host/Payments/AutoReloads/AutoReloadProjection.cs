using CityPass.Domain.Payments.AutoReloads;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CityPass.Host.Payments.AutoReloads;

/// <summary>Folds a card's automatic-reload stream into its <see cref="AutoReload"/> state, inline (same transaction as its events).</summary>
public sealed partial class AutoReloadProjection : SingleStreamProjection<AutoReload, Guid>
{
    public AutoReloadProjection()
    {
        foreach (var type in AutoReload.EventTypes)
            IncludeType(type);
    }

    public override AutoReload? Evolve(AutoReload? snapshot, Guid id, IEvent e) => (snapshot, e.Data) switch
    {
        (null, AutoReloadSetUp setUp) => AutoReload.From(setUp),
        (not null, var data) => snapshot.Evolve(data),
        _ => snapshot,
    };
}

/// <summary>The payment provider's customer of a cardholder account (Stripe Customer), which saved payment methods belong to.</summary>
public sealed record PaymentCustomer(string Id, string CustomerId, Instant CreatedAt)
{
    public static string IdempotencyKey(string accountId) => $"citypass-customer-{accountId}";
}

/// <summary>
/// Something the holder must be told about their automatic reloading (it stopped: the bank declined the saved card or asks
/// for authentication), written in the transaction that records it. The portal shows the state on /me; a mailer sends each
/// notice whose <see cref="MailedAt"/> is empty and sets it.
/// </summary>
/// <param name="Id"><c>auto-reload-stopped/{reloadId}</c>: one notice per stopped reload.</param>
public sealed record AutoReloadNotice(string Id, string AccountId, Guid CardId, Guid? ReloadId, string Kind, string Reason, string Message, Instant At)
{
    public Instant? MailedAt { get; init; }

    public const string StoppedKind = "auto-reload-stopped";

    public static AutoReloadNotice Stopped(AutoReload auto, AutoReloadStopped stopped) =>
        new($"{StoppedKind}/{stopped.ReloadId}", auto.AccountId, auto.CardId, stopped.ReloadId, StoppedKind, stopped.Reason,
            MessageFor(stopped.Reason), stopped.StoppedAt);

    /// <summary>What the holder reads: why it stopped and what to do. The card itself is not blocked.</summary>
    public static string MessageFor(string reason) => reason switch
    {
        "authentication_required" => "Automatic reloading stopped: your bank asks you to confirm payments yourself. "
            + "Pay the pending reload in the app, or save your card again; your card still works.",
        "card_declined" => "Automatic reloading stopped: your bank declined the saved card. Save another card to turn it back on; "
            + "your card still works.",
        _ => $"Automatic reloading stopped: the payment failed ({reason}). Save a card again to turn it back on; your card still works.",
    };
}
