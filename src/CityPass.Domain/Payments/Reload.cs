using System.Collections.Immutable;
using NodaTime;

namespace CityPass.Domain.Payments;

// The reload stream: one stream per online reload (one Stripe PaymentIntent), its events and the state they fold into.

/// <summary>A cardholder asked to reload a card; the amount is reserved on the card in the same transaction.</summary>
/// <param name="Provider">"stripe", or "sandbox" when no Stripe key is configured.</param>
/// <param name="Automatic">Started by automatic reloading (a charge crossed the card's threshold), paid off-session with the
/// holder's saved payment method; otherwise the holder pays it.</param>
public sealed record ReloadRequested(
    Guid ReloadId, Guid CardId, string AccountId, Money Amount, string Currency, string Provider, Instant RequestedAt, bool Automatic = false);

/// <summary>The payment provider created the PaymentIntent the cardholder pays.</summary>
/// <param name="ClientSecret">What the payer's browser or app needs to confirm the payment; it can pay this intent and nothing else.</param>
public sealed record PaymentIntentCreated(Guid ReloadId, string PaymentIntentId, string? ClientSecret, Instant CreatedAt);

/// <summary>The provider could not create the payment: nothing can be paid, the reservation is released.</summary>
public sealed record ReloadAbandoned(Guid ReloadId, string Reason, Instant AbandonedAt);

/// <summary>A payment attempt failed (card declined…). Another attempt on the same intent may still succeed.</summary>
/// <param name="Code">The provider's code when it gave one (<c>card_declined</c>, <c>authentication_required</c>…).</param>
public sealed record ReloadPaymentFailed(Guid ReloadId, string PaymentIntentId, string Reason, Instant FailedAt, string? Code = null);

/// <summary>The PaymentIntent was canceled (by Stripe, by its holder, or left unpaid too long): nothing more can be paid.</summary>
/// <param name="Reason">Why, when CityPass canceled it ("expired", "canceled by the cardholder"); none when Stripe reported it.</param>
public sealed record ReloadCanceled(Guid ReloadId, string PaymentIntentId, Instant CanceledAt, string? Reason = null);

/// <summary>Stripe confirmed the payment, with the amount and currency it actually took.</summary>
public sealed record ReloadPaid(Guid ReloadId, string PaymentIntentId, Money Amount, string Currency, string ProviderEventId, Instant PaidAt);

/// <summary>The paid amount was loaded onto the card (exactly once: the card's ValueLoaded carries the PaymentIntent id).</summary>
/// <param name="OverCeiling">The card's limits had moved since the reservation; credited anyway and flagged for finance.</param>
public sealed record ReloadCredited(Guid ReloadId, Guid CardId, Money Amount, Money BalanceAfter, bool OverCeiling, Instant CreditedAt);

/// <summary>Something finance must look at; a flagged payment is never credited silently.</summary>
public sealed record ReloadFlagged(Guid ReloadId, ReloadFlag Flag, string Detail, Instant FlaggedAt);

/// <summary>Stripe reports the charge refunded; <paramref name="RefundedTotal"/> is cumulative, as Stripe's amount_refunded.</summary>
public sealed record ReloadRefunded(Guid ReloadId, string PaymentIntentId, Money RefundedTotal, string Currency, Instant RefundedAt);

public sealed record ReloadDisputeOpened(Guid ReloadId, string DisputeId, Money Amount, string Currency, Instant OpenedAt);

/// <param name="Status">Stripe's dispute status when closed: "won", "lost", "warning_closed"…</param>
public sealed record ReloadDisputeClosed(Guid ReloadId, string DisputeId, Money Amount, string Currency, string Status, Instant ClosedAt);

/// <summary>Refunded or disputed value was taken back from the card; <paramref name="AsDebt"/> had already been spent.</summary>
public sealed record ReloadValueTakenBack(Guid ReloadId, Guid CardId, Money Amount, Money FromBalance, Money AsDebt, Instant TakenBackAt);

public enum ReloadStatus
{
    /// <summary>Reserved on the card, the provider not asked yet (or its answer not recorded yet).</summary>
    Requested,
    AwaitingPayment,
    Abandoned,
    Failed,
    Canceled,
    /// <summary>Paid, not credited yet (a transient state inside one webhook's transaction).</summary>
    Paid,
    Credited,
    /// <summary>Paid but not credited: the confirmed amount or currency differs from the reload. Finance decides.</summary>
    NeedsReview,
}

public enum ReloadFlag
{
    AmountMismatch,
    CurrencyMismatch,
    PaymentIntentMismatch,
    OverCeiling,
    RefundCurrencyMismatch,
}

public sealed record ReloadDispute(string Id, Money Amount, string Currency, string Status);

public sealed record Reload(
    Guid Id,
    Guid CardId,
    string AccountId,
    Money Amount,
    string Currency,
    string Provider,
    ReloadStatus Status,
    Instant RequestedAt,
    Instant LastChangedAt)
{
    public string? PaymentIntentId { get; init; }
    public string? ClientSecret { get; init; }
    public string? FailureReason { get; init; }
    public string? FailureCode { get; init; }

    /// <summary>Started by automatic reloading and paid off-session (see <see cref="ReloadRequested.Automatic"/>).</summary>
    public bool Automatic { get; init; }

    public Money? PaidAmount { get; init; }
    public string? PaidCurrency { get; init; }
    public Money Credited { get; init; } = Money.Zero;
    public Money RefundedTotal { get; init; } = Money.Zero;
    public ImmutableDictionary<string, ReloadDispute> Disputes { get; init; } = ImmutableDictionary<string, ReloadDispute>.Empty;
    public Money TakenBack { get; init; } = Money.Zero;
    public ImmutableList<ReloadFlag> Flags { get; init; } = ImmutableList<ReloadFlag>.Empty;

    public bool IsPaid => PaidAmount is not null;

    /// <summary>Nothing paid yet and a payment still possible: what the holder may cancel and what expires.</summary>
    public bool IsUnpaid => Status is ReloadStatus.Requested or ReloadStatus.AwaitingPayment or ReloadStatus.Failed;

    public Money LostInDisputes => Disputes.Values.Where(d => d.Status == "lost").Aggregate(Money.Zero, (sum, d) => sum + d.Amount);

    /// <summary>What refunds and lost disputes reverse, never more than was credited.</summary>
    public Money Reversed
    {
        get
        {
            var reversed = RefundedTotal + LostInDisputes;
            return reversed < Credited ? reversed : Credited;
        }
    }

    public Money StillToTakeBack => Reversed - TakenBack;

    public static Reload From(ReloadRequested requested) =>
        new(requested.ReloadId, requested.CardId, requested.AccountId, requested.Amount, requested.Currency, requested.Provider,
            ReloadStatus.Requested, requested.RequestedAt, requested.RequestedAt) { Automatic = requested.Automatic };

    /// <summary>The events of a Reload's stream: those <see cref="Evolve"/> folds and the one that starts it. Its projection takes
    /// only these (a stream of other events is not a Reload's); keep it beside the switch, a test compares them.</summary>
    public static readonly IReadOnlyList<Type> EventTypes =
    [
        typeof(ReloadRequested), typeof(PaymentIntentCreated), typeof(ReloadAbandoned), typeof(ReloadPaymentFailed),
        typeof(ReloadCanceled), typeof(ReloadPaid), typeof(ReloadCredited), typeof(ReloadFlagged),
        typeof(ReloadRefunded), typeof(ReloadDisputeOpened), typeof(ReloadDisputeClosed),
        typeof(ReloadValueTakenBack),
    ];

    public Reload Evolve(object @event) => @event switch
    {
        PaymentIntentCreated x => this with
        {
            PaymentIntentId = x.PaymentIntentId, ClientSecret = x.ClientSecret,
            Status = Status == ReloadStatus.Requested ? ReloadStatus.AwaitingPayment : Status, LastChangedAt = x.CreatedAt,
        },
        ReloadAbandoned x => this with { Status = ReloadStatus.Abandoned, FailureReason = x.Reason, LastChangedAt = x.AbandonedAt },
        ReloadPaymentFailed x => this with
        {
            PaymentIntentId = PaymentIntentId ?? x.PaymentIntentId, Status = ReloadStatus.Failed, FailureReason = x.Reason,
            FailureCode = x.Code, LastChangedAt = x.FailedAt,
        },
        ReloadCanceled x => this with
        {
            PaymentIntentId = PaymentIntentId ?? x.PaymentIntentId, Status = ReloadStatus.Canceled,
            FailureReason = x.Reason ?? FailureReason, LastChangedAt = x.CanceledAt,
        },
        ReloadPaid x => this with
        {
            PaymentIntentId = PaymentIntentId ?? x.PaymentIntentId, PaidAmount = x.Amount, PaidCurrency = x.Currency,
            Status = ReloadStatus.Paid, FailureReason = null, FailureCode = null, LastChangedAt = x.PaidAt,
        },
        ReloadCredited x => this with { Credited = x.Amount, Status = ReloadStatus.Credited, LastChangedAt = x.CreditedAt },
        ReloadFlagged x => this with
        {
            Flags = Flags.Add(x.Flag),
            Status = x.Flag is (ReloadFlag.AmountMismatch or ReloadFlag.CurrencyMismatch or ReloadFlag.PaymentIntentMismatch) && Status != ReloadStatus.Credited
                ? ReloadStatus.NeedsReview : Status,
            LastChangedAt = x.FlaggedAt,
        },
        ReloadRefunded x => this with { RefundedTotal = x.RefundedTotal, LastChangedAt = x.RefundedAt },
        ReloadDisputeOpened x => this with
        {
            Disputes = Disputes.ContainsKey(x.DisputeId) ? Disputes : Disputes.SetItem(x.DisputeId, new ReloadDispute(x.DisputeId, x.Amount, x.Currency, "open")),
            LastChangedAt = x.OpenedAt,
        },
        ReloadDisputeClosed x => this with
        {
            Disputes = Disputes.SetItem(x.DisputeId, new ReloadDispute(x.DisputeId, x.Amount, x.Currency, x.Status)), LastChangedAt = x.ClosedAt,
        },
        ReloadValueTakenBack x => this with { TakenBack = TakenBack + x.Amount, LastChangedAt = x.TakenBackAt },
        _ => this,
    };
}
