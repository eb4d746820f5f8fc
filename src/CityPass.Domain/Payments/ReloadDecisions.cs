using CityPass.Domain.Cards;
using NodaTime;

namespace CityPass.Domain.Payments;

/// <summary>What the payment provider says happened to a reload's PaymentIntent (a verified webhook event, parsed).</summary>
public abstract record PaymentFact(string PaymentIntentId, string ProviderEventId)
{
    public sealed record Succeeded(string PaymentIntentId, string ProviderEventId, Money Amount, string Currency)
        : PaymentFact(PaymentIntentId, ProviderEventId);

    /// <param name="Code">The provider's code (<c>card_declined</c>, <c>authentication_required</c>…) when it gave one.</param>
    public sealed record Failed(string PaymentIntentId, string ProviderEventId, string Reason, string? Code = null)
        : PaymentFact(PaymentIntentId, ProviderEventId);

    public sealed record Canceled(string PaymentIntentId, string ProviderEventId) : PaymentFact(PaymentIntentId, ProviderEventId);

    /// <param name="RefundedTotal">Cumulative, as Stripe's charge.amount_refunded.</param>
    public sealed record Refunded(string PaymentIntentId, string ProviderEventId, Money RefundedTotal, string Currency)
        : PaymentFact(PaymentIntentId, ProviderEventId);

    public sealed record DisputeOpened(string PaymentIntentId, string ProviderEventId, string DisputeId, Money Amount, string Currency)
        : PaymentFact(PaymentIntentId, ProviderEventId);

    public sealed record DisputeClosed(string PaymentIntentId, string ProviderEventId, string DisputeId, Money Amount, string Currency, string Status)
        : PaymentFact(PaymentIntentId, ProviderEventId);
}

/// <summary>What a reload's new state asks of its card: credit it, release its reservation, or take value back.</summary>
public sealed record Settlement(IReadOnlyList<object> ReloadEvents, IReadOnlyList<object> CardEvents)
{
    public bool IsEmpty => ReloadEvents.Count == 0 && CardEvents.Count == 0;
}

public static class ReloadDecisions
{
    /// <summary>
    /// Records a provider fact on the reload. Facts arrive duplicated and in any order, so every branch is idempotent and
    /// order-free: a success is recorded once, refunds are cumulative totals, disputes are keyed by their id, and a
    /// failure or cancellation after a success changes nothing.
    /// </summary>
    public static IReadOnlyList<object> Decide(Reload reload, PaymentFact fact, Instant now)
    {
        if (reload.PaymentIntentId is { } known && known != fact.PaymentIntentId)
            return reload.Flags.Contains(ReloadFlag.PaymentIntentMismatch)
                ? []
                : [new ReloadFlagged(reload.Id, ReloadFlag.PaymentIntentMismatch,
                    $"Event {fact.ProviderEventId} is about PaymentIntent {fact.PaymentIntentId}, but the reload was paid through {known}.", now)];

        switch (fact)
        {
            case PaymentFact.Succeeded s:
                if (reload.IsPaid)
                    return [];
                var paid = new ReloadPaid(reload.Id, s.PaymentIntentId, s.Amount, s.Currency.ToLowerInvariant(), s.ProviderEventId, now);
                if (!SameCurrency(s.Currency, reload.Currency))
                    return [paid, new ReloadFlagged(reload.Id, ReloadFlag.CurrencyMismatch,
                        $"Stripe confirmed {s.Amount.Cents} {s.Currency}; the reload is {reload.Amount.Cents} {reload.Currency}. Not credited.", now)];
                if (s.Amount != reload.Amount)
                    return [paid, new ReloadFlagged(reload.Id, ReloadFlag.AmountMismatch,
                        $"Stripe confirmed {s.Amount.Cents} {s.Currency}; the reload is {reload.Amount.Cents} {reload.Currency}. Not credited.", now)];
                return [paid];

            case PaymentFact.Failed f:
                return reload.IsPaid || reload.Status == ReloadStatus.Canceled
                    || (reload.Status == ReloadStatus.Failed && reload.FailureReason == f.Reason && reload.FailureCode == f.Code)
                    ? []
                    : [new ReloadPaymentFailed(reload.Id, f.PaymentIntentId, f.Reason, now, f.Code)];

            case PaymentFact.Canceled c:
                return reload.IsPaid || reload.Status == ReloadStatus.Canceled ? [] : [new ReloadCanceled(reload.Id, c.PaymentIntentId, now)];

            case PaymentFact.Refunded r:
                if (!SameCurrency(r.Currency, reload.Currency))
                    return reload.Flags.Contains(ReloadFlag.RefundCurrencyMismatch)
                        ? []
                        : [new ReloadFlagged(reload.Id, ReloadFlag.RefundCurrencyMismatch,
                            $"Stripe refunded {r.RefundedTotal.Cents} {r.Currency} of a {reload.Currency} reload. Nothing taken back.", now)];
                return r.RefundedTotal > reload.RefundedTotal
                    ? [new ReloadRefunded(reload.Id, r.PaymentIntentId, r.RefundedTotal, r.Currency.ToLowerInvariant(), now)]
                    : [];

            case PaymentFact.DisputeOpened d:
                return reload.Disputes.ContainsKey(d.DisputeId)
                    ? []
                    : [new ReloadDisputeOpened(reload.Id, d.DisputeId, d.Amount, d.Currency.ToLowerInvariant(), now)];

            case PaymentFact.DisputeClosed d:
                if (reload.Disputes.TryGetValue(d.DisputeId, out var dispute) && dispute.Status == d.Status)
                    return [];
                if (d.Status == "lost" && !SameCurrency(d.Currency, reload.Currency))
                    return [new ReloadDisputeClosed(reload.Id, d.DisputeId, Money.Zero, d.Currency.ToLowerInvariant(), d.Status, now),
                        new ReloadFlagged(reload.Id, ReloadFlag.RefundCurrencyMismatch,
                            $"Dispute {d.DisputeId} was lost for {d.Amount.Cents} {d.Currency} on a {reload.Currency} reload. Nothing taken back.", now)];
                return [new ReloadDisputeClosed(reload.Id, d.DisputeId, d.Amount, d.Currency.ToLowerInvariant(), d.Status, now)];

            default:
                throw new ArgumentOutOfRangeException(nameof(fact), fact, "Unknown payment fact.");
        }
    }

    /// <summary>Whether an unpaid reload has waited longer than <paramref name="expiry"/> since it was requested.</summary>
    public static bool HasExpired(Reload reload, Duration expiry, Instant now) => reload.IsUnpaid && now - reload.RequestedAt >= expiry;

    /// <summary>
    /// Ends an unpaid reload once the provider canceled its PaymentIntent (or none was created): the reload is canceled
    /// (abandoned if it never had one) and <see cref="Settle"/> releases its reservation. A paid or ended reload is left as
    /// it is; a payment that still arrives afterwards is credited by <see cref="Decide"/> (flagged if past the ceiling).
    /// </summary>
    public static IReadOnlyList<object> Cancel(Reload reload, string reason, Instant now) => reload.Status switch
    {
        ReloadStatus.Requested => [new ReloadAbandoned(reload.Id, reason, now)],
        ReloadStatus.AwaitingPayment or ReloadStatus.Failed => [new ReloadCanceled(reload.Id, reload.PaymentIntentId!, now, reason)],
        _ => [],
    };

    /// <summary>
    /// Brings the card in line with the reload: a paid, unflagged reload is credited once; a reload that will not be
    /// credited releases its reservation; refunds and lost disputes are taken back once (as debt when already spent).
    /// Calling it again on the result decides nothing.
    /// </summary>
    public static Settlement Settle(Reload reload, Card card, MoneyLimits limits, Instant now)
    {
        var reloadEvents = new List<object>();
        var cardEvents = new List<object>();

        if (reload.Status == ReloadStatus.Paid && reload.PaidAmount is { } amount)
        {
            var credit = CardDecisions.Decide(card, new CreditReload(reload.Id, amount, new LoadSource(reload.Provider), reload.PaymentIntentId!), limits, now);
            AddCard(credit.Events);
            AddReload(new ReloadCredited(reload.Id, card.Id, amount, credit.Loaded.BalanceAfter, credit.OverCeiling, now));
            if (credit.OverCeiling)
                AddReload(new ReloadFlagged(reload.Id, ReloadFlag.OverCeiling,
                    $"Credited {amount} although it passed the card's limits (balance after {credit.Loaded.BalanceAfter}): the payment was taken. Consider a partial refund.", now));
        }
        else if (reload.Status is ReloadStatus.Abandoned or ReloadStatus.Failed or ReloadStatus.Canceled or ReloadStatus.NeedsReview
                 && CardDecisions.Decide(card, new ReleaseReload(reload.Id, reload.Status.ToString().ToLowerInvariant()), now) is { } released)
        {
            AddCard([released]);
        }

        if (reload.StillToTakeBack is { Cents: > 0 } due)
        {
            var reason = reload.LostInDisputes > Money.Zero ? "payment refunded or lost in a dispute" : "payment refunded";
            var reclaimed = CardDecisions.Decide(card, new ReclaimValue(due, reason, reload.PaymentIntentId!), now);
            AddCard(reclaimed);
            var fromBalance = reclaimed.OfType<ValueReclaimed>().Aggregate(Money.Zero, (sum, r) => sum + r.Amount);
            AddReload(new ReloadValueTakenBack(reload.Id, card.Id, due, fromBalance, due - fromBalance, now));
        }
        return new Settlement(reloadEvents, cardEvents);

        void AddCard(IEnumerable<object> events)
        {
            foreach (var e in events)
            {
                cardEvents.Add(e);
                card = card.Evolve(e);
            }
        }

        void AddReload(object e)
        {
            reloadEvents.Add(e);
            reload = reload.Evolve(e);
        }
    }

    private static bool SameCurrency(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
