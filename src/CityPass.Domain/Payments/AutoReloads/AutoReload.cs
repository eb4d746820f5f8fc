using System.Collections.Immutable;
using CityPass.Domain.Cards;
using NodaTime;

namespace CityPass.Domain.Payments.AutoReloads;

// Automatic reload of one card: its holder's saved payment method, threshold and amount, and the reloads it started.
// Pure decisions; the host wires them in Payments/AutoReloads (settings, the trigger beside the charge, the off-session sender).

/// <summary>
/// The holder saved a payment method for off-session use (Stripe SetupIntent, usage=off_session) and chose when to reload.
/// </summary>
public sealed record AutoReloadSetUp(Guid CardId, string AccountId, string PaymentMethodId, Money Threshold, Money Amount, Instant SetUpAt);

public sealed record AutoReloadPaused(Guid CardId, Instant PausedAt);

public sealed record AutoReloadResumed(Guid CardId, Instant ResumedAt);

/// <summary>The holder removed automatic reloading; the payment method is to be detached from the provider's customer.</summary>
public sealed record AutoReloadRemoved(Guid CardId, string PaymentMethodId, Instant RemovedAt);

/// <summary>
/// A charge took the balance from at or above the threshold to under it: one off-session reload of <paramref name="Amount"/>
/// is due, under the deterministic <paramref name="ReloadId"/> (the same crossing always names the same reload).
/// </summary>
public sealed record AutoReloadTriggered(
    Guid CardId, Guid ReloadId, Money Amount, Money BalanceBefore, Money BalanceAfter, Instant TriggeredAt);

/// <summary>The triggered reload ended (credited, or failed for a reason that does not stop automatic reloading).</summary>
public sealed record AutoReloadSettled(Guid CardId, Guid ReloadId, bool Credited, Instant SettledAt);

/// <summary>
/// Automatic reloading stopped until the holder sets it up again: the bank asked for the holder's authentication
/// (<c>authentication_required</c>) or declined the saved method. The card itself is not blocked.
/// </summary>
public sealed record AutoReloadStopped(Guid CardId, Guid? ReloadId, string Reason, Instant StoppedAt);

public enum AutoReloadStatus
{
    Active,
    Paused,
    /// <summary>A payment failed off-session: the holder must act (authenticate, or save another method).</summary>
    Stopped,
    Removed,
}

/// <summary>Per card: how much automatic reloading may take, in a rolling day and a rolling 30 days.</summary>
public sealed record AutoReloadLimits(Money Daily, Money Monthly)
{
    public static readonly AutoReloadLimits Default = new(Money.FromCents(100_00), Money.FromCents(300_00));
}

public sealed record AutoReloadCharge(Guid ReloadId, Money Amount, Instant At);

public sealed record AutoReload(
    Guid CardId, string AccountId, string PaymentMethodId, Money Threshold, Money Amount, AutoReloadStatus Status, Instant LastChangedAt)
{
    /// <summary>The stream's (and its snapshot's) id: one automatic reload per card, <see cref="StreamIdFor"/> its card.</summary>
    public Guid Id { get; init; }

    /// <summary>The reload started and not yet ended: never two in flight for one card.</summary>
    public Guid? InFlight { get; init; }

    public string? StoppedReason { get; init; }

    /// <summary>The reloads it started within the last 30 days (or more: <see cref="Taken"/> counts by time).</summary>
    public ImmutableList<AutoReloadCharge> Charges { get; init; } = ImmutableList<AutoReloadCharge>.Empty;

    public Money Taken(Instant since) => Charges.Where(c => c.At > since).Aggregate(Money.Zero, (sum, c) => sum + c.Amount);

    public static AutoReload From(AutoReloadSetUp e) =>
        new(e.CardId, e.AccountId, e.PaymentMethodId, e.Threshold, e.Amount, AutoReloadStatus.Active, e.SetUpAt) { Id = StreamIdFor(e.CardId) };

    /// <summary>The id of a card's automatic-reload stream (name-based on the card id: stream ids are shared by every kind of stream).</summary>
    public static Guid StreamIdFor(Guid cardId) => AutoReloadDecisions.NameBased($"citypass-auto-reload-stream:{cardId}");

    public static readonly IReadOnlyList<Type> EventTypes =
    [
        typeof(AutoReloadSetUp), typeof(AutoReloadPaused), typeof(AutoReloadResumed), typeof(AutoReloadRemoved),
        typeof(AutoReloadTriggered), typeof(AutoReloadSettled), typeof(AutoReloadStopped),
    ];

    public AutoReload Evolve(object @event) => @event switch
    {
        // Set up again (a new method, a new threshold): active again, the reload in flight and the charges still count.
        AutoReloadSetUp x => this with
        {
            AccountId = x.AccountId, PaymentMethodId = x.PaymentMethodId, Threshold = x.Threshold, Amount = x.Amount,
            Status = AutoReloadStatus.Active, StoppedReason = null, LastChangedAt = x.SetUpAt,
        },
        AutoReloadPaused x => this with { Status = AutoReloadStatus.Paused, LastChangedAt = x.PausedAt },
        AutoReloadResumed x => this with { Status = AutoReloadStatus.Active, LastChangedAt = x.ResumedAt },
        AutoReloadRemoved x => this with { Status = AutoReloadStatus.Removed, LastChangedAt = x.RemovedAt },
        AutoReloadTriggered x => this with
        {
            InFlight = x.ReloadId,
            Charges = Charges.RemoveAll(c => c.At < x.TriggeredAt - Duration.FromDays(30)).Add(new(x.ReloadId, x.Amount, x.TriggeredAt)),
            LastChangedAt = x.TriggeredAt,
        },
        AutoReloadSettled x => this with { InFlight = InFlight == x.ReloadId ? null : InFlight, LastChangedAt = x.SettledAt },
        AutoReloadStopped x => this with
        {
            InFlight = InFlight == x.ReloadId ? null : InFlight, Status = AutoReloadStatus.Stopped, StoppedReason = x.Reason,
            LastChangedAt = x.StoppedAt,
        },
        _ => this,
    };
}

public static class AutoReloadDecisions
{
    /// <summary>
    /// Whether a charge that moved the card's balance from <paramref name="before"/> to the card's present balance starts an
    /// automatic reload. Once per crossing (from at or above the threshold to under it), never while one is in flight,
    /// never past the card's ceiling (reloads in flight counted) nor the daily and monthly limits. A refusal says why.
    /// </summary>
    /// <param name="reloadId">Deterministic for the crossing (e.g. from the card id and the charge's stream version), so a
    /// retried or twin decision names the same reload.</param>
    public static (AutoReloadTriggered? Triggered, string? Refusal) OnCharge(
        AutoReload? auto, Card card, Money before, Guid reloadId, MoneyLimits limits, AutoReloadLimits autoLimits, Instant now)
    {
        if (auto is not { Status: AutoReloadStatus.Active })
            return (null, "Automatic reloading is not active.");
        if (!(before >= auto.Threshold && card.Balance < auto.Threshold))
            return (null, null); // no crossing: nothing to say
        if (auto.InFlight is not null)
            return (null, $"An automatic reload ({auto.InFlight}) is already in flight.");
        if (card.Status != CardStatus.Active)
            return (null, $"The card is {card.Status}.");
        if (card.Balance + card.Reserved + auto.Amount > limits.MaxBalance)
            return (null, $"Reloading {auto.Amount} would pass the card's ceiling of {limits.MaxBalance} (reloads in flight counted).");
        if (auto.Taken(now - Duration.FromDays(1)) + auto.Amount > autoLimits.Daily)
            return (null, $"The daily automatic-reload limit of {autoLimits.Daily} is reached.");
        if (auto.Taken(now - Duration.FromDays(30)) + auto.Amount > autoLimits.Monthly)
            return (null, $"The monthly automatic-reload limit of {autoLimits.Monthly} is reached.");
        return (new AutoReloadTriggered(card.Id, reloadId, auto.Amount, before, card.Balance, now), null);
    }

    /// <summary>
    /// The triggered reload ended. A success frees the card for the next crossing; a failure stops automatic reloading
    /// (the holder must authenticate or save another method) rather than retrying a card the bank refused.
    /// </summary>
    /// <param name="failureCode">The provider's code (<c>authentication_required</c>, <c>card_declined</c>…), null on success.</param>
    public static IReadOnlyList<object> OnReloadEnded(AutoReload auto, Guid reloadId, string? failureCode, Instant now)
    {
        if (auto.InFlight != reloadId)
            return [];
        return failureCode is null
            ? [new AutoReloadSettled(auto.CardId, reloadId, true, now)]
            : [new AutoReloadStopped(auto.CardId, reloadId, failureCode, now)];
    }

    /// <summary>
    /// The triggered reload ended without a payment and without the bank refusing it (canceled by its holder, expired,
    /// abandoned because the provider could not be reached, set aside for finance): the next crossing may trigger again.
    /// </summary>
    public static IReadOnlyList<object> OnReloadClosed(AutoReload auto, Guid reloadId, Instant now) =>
        auto.InFlight == reloadId ? [new AutoReloadSettled(auto.CardId, reloadId, false, now)] : [];

    /// <summary>A deterministic reload id for a crossing: the same card and charge always give the same id (name-based, SHA-256).</summary>
    /// <param name="chargeVersion">What numbers the crossing on the card: the host passes the version the trigger takes on the
    /// card's automatic-reload stream, which every crossing moves on.</param>
    public static Guid ReloadIdFor(Guid cardId, long chargeVersion) => NameBased($"citypass-auto-reload:{cardId}:{chargeVersion}");

    internal static Guid NameBased(string text)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(text);
        var bytes = System.Security.Cryptography.SHA256.HashData(name);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes.AsSpan(0, 16));
    }
}
