using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Cards;

// Commands to a card, and the pure decisions that answer them: (state, scheme, command, now) -> events or a refusal.

public sealed record LoadValue(Money Amount, LoadSource Source, string IdempotencyKey);

public sealed record BlockCard(string Reason);

public sealed record UnblockCard(string Reason);

/// <param name="RightId">The id the new right will have (chosen by the caller, so the decision stays pure).</param>
/// <param name="StartDate">Passes and free entries: the first local day (today when null).</param>
public sealed record PurchaseProduct(Guid RightId, string ProductId, LocalDate? StartDate, string IdempotencyKey);

/// <summary>Hold room under the stored-value ceiling for an online reload about to be paid.</summary>
public sealed record ReserveReload(Guid ReloadId, Money Amount);

/// <summary>Credit a paid online reload. <paramref name="PaymentReference"/> (the PaymentIntent id) is the load's idempotency key.</summary>
public sealed record CreditReload(Guid ReloadId, Money Amount, LoadSource Source, string PaymentReference);

public sealed record ReleaseReload(Guid ReloadId, string Reason);

/// <summary>Take back value whose payment was refunded or lost in a dispute.</summary>
public sealed record ReclaimValue(Money Amount, string Reason, string Reference);

/// <param name="Events">What to append to the card stream, in order.</param>
/// <param name="OverCeiling">The credit took the card past a limit: it is credited anyway (the money was taken) and finance is told.</param>
public sealed record ReloadCredit(IReadOnlyList<object> Events, ValueLoaded Loaded, bool OverCeiling);


/// <param name="Evidence">The reference to the evidence seen, as the agent typed it (checked here).</param>
/// <param name="RecordedEvidence">What the event records instead, when the caller seals personal data (crypto-shredding).</param>
public sealed record GrantConcession(Guid GrantId, string ProfileId, LocalDate ValidFrom, LocalDate ValidTo, string Evidence, string? RecordedEvidence = null);

public static class CardDecisions
{
    /// <summary>The furthest ahead a pass may start.</summary>
    public static readonly Period MaxAdvancePurchase = Period.FromDays(366);

    /// <summary>A concession runs five calendar years at most, both dates inclusive: 2026-11-01 to 2031-10-31, as a carnet's validity.</summary>
    public static readonly Period MaxConcession = Period.FromYears(5);

    /// <summary>The block reason of a card blocked for debt; settling the debt unblocks only such a card.</summary>
    public const string DebtBlockReason = "debt";

    /// <summary>An administrator's credit. A blocked card may still be loaded: value that belongs to its holder can be moved later.</summary>
    public static (ValueLoaded? Loaded, Refusal? Refusal) Decide(Card card, LoadValue command, MoneyLimits limits, Instant now)
    {
        if (limits.CheckLoad(command.Amount) is { } invalid)
            return (null, new Refusal("invalid-amount", invalid));
        var after = card.Balance + command.Amount;
        if (after + card.Reserved > limits.MaxBalance)
            return (null, new Refusal("balance-ceiling", CeilingMessage(card, command.Amount, limits)));
        return (new ValueLoaded(card.Id, command.Amount, command.Source, command.IdempotencyKey, after, now), null);
    }

    /// <summary>Reloads in flight count toward the ceiling, so that racing reloads cannot overshoot it once paid.</summary>
    public static (ReloadReserved? Reserved, Refusal? Refusal) Decide(Card card, ReserveReload command, MoneyLimits limits, Instant now)
    {
        if (command.Amount.Cents <= 0)
            return (null, new Refusal("invalid-amount", $"A reload must be a positive number of cents (got {command.Amount.Cents})."));
        if (card.Reservations.ContainsKey(command.ReloadId))
            return (null, null);
        if (card.Balance + card.Reserved + command.Amount > limits.MaxBalance)
            return (null, new Refusal("balance-ceiling", CeilingMessage(card, command.Amount, limits)));
        return (new ReloadReserved(card.Id, command.ReloadId, command.Amount, now), null);
    }

    /// <summary>
    /// Credits a paid reload through the same load decision as an administrator's credit, once its reservation is released.
    /// When that decision refuses (the ceiling moved since the reservation was released), the value is credited anyway:
    /// the cardholder's money was taken. A card in debt pays its debt first, and is unblocked when the debt is gone.
    /// </summary>
    public static ReloadCredit Decide(Card card, CreditReload command, MoneyLimits limits, Instant now)
    {
        var events = new List<object>();
        var state = card;
        if (card.Reservations.ContainsKey(command.ReloadId))
            Add(new ReloadReservationReleased(card.Id, command.ReloadId, "credited", now));

        var (loaded, refusal) = Decide(state, new LoadValue(command.Amount, command.Source, command.PaymentReference), limits, now);
        loaded ??= new ValueLoaded(card.Id, command.Amount, command.Source, command.PaymentReference, state.Balance + command.Amount, now);
        Add(loaded);

        if (state.Debt > Money.Zero && state.Balance > Money.Zero)
        {
            var settled = state.Debt < state.Balance ? state.Debt : state.Balance;
            Add(new DebtSettled(card.Id, settled, command.PaymentReference, state.Debt - settled, state.Balance - settled, now));
            if (state.Debt == Money.Zero && state.Status == CardStatus.Blocked && state.BlockReason == DebtBlockReason)
                Add(new CardUnblocked(card.Id, "debt settled", now));
        }
        return new ReloadCredit(events, loaded, refusal is not null);

        void Add(object e)
        {
            events.Add(e);
            state = state.Evolve(e);
        }
    }

    public static ReloadReservationReleased? Decide(Card card, ReleaseReload command, Instant now) =>
        card.Reservations.ContainsKey(command.ReloadId) ? new ReloadReservationReleased(card.Id, command.ReloadId, command.Reason, now) : null;

    /// <summary>
    /// Takes the value back from the balance; what was already spent becomes a debt and the card is blocked
    /// (a card blocked for another reason keeps that reason).
    /// </summary>
    public static IReadOnlyList<object> Decide(Card card, ReclaimValue command, Instant now)
    {
        if (command.Amount <= Money.Zero)
            return [];
        var events = new List<object>();
        var balance = card.Balance > Money.Zero ? card.Balance : Money.Zero;
        var fromBalance = command.Amount < balance ? command.Amount : balance;
        if (fromBalance > Money.Zero)
            events.Add(new ValueReclaimed(card.Id, fromBalance, command.Reason, command.Reference, card.Balance - fromBalance, now));
        var shortfall = command.Amount - fromBalance;
        if (shortfall > Money.Zero)
        {
            events.Add(new CardDebtRecorded(card.Id, shortfall, command.Reason, command.Reference, card.Debt + shortfall, now));
            if (card.Status == CardStatus.Active)
                events.Add(new CardBlocked(card.Id, DebtBlockReason, now));
        }
        return events;
    }

    private static string CeilingMessage(Card card, Money amount, MoneyLimits limits) =>
        card.Reserved > Money.Zero
            ? $"Loading {amount} onto a balance of {card.Balance} with {card.Reserved} of reloads in flight would pass the stored-value ceiling of {limits.MaxBalance}."
            : $"Loading {amount} would bring the balance to {card.Balance + amount}, over the stored-value ceiling of {limits.MaxBalance}.";

    /// <summary>Blocking a blocked card changes nothing: the first reason stands.</summary>
    public static CardBlocked? Decide(Card card, BlockCard command, Instant now) =>
        card.Status == CardStatus.Blocked ? null : new CardBlocked(card.Id, command.Reason, now);

    public static CardUnblocked? Decide(Card card, UnblockCard command, Instant now) =>
        card.Status == CardStatus.Active ? null : new CardUnblocked(card.Id, command.Reason, now);

    /// <summary>Buys a product with stored value, at the price of the moment for the holder's concession.</summary>
    public static (ProductPurchased? Purchased, Refusal? Refusal) Decide(Card card, Scheme scheme, PurchaseProduct command, Instant now)
    {
        if (card.Status == CardStatus.Blocked)
            return (null, new Refusal("card-blocked", $"The card is blocked ({card.BlockReason})."));
        if (!scheme.Products.TryGetValue(command.ProductId ?? "", out var product))
            return (null, new Refusal("unknown-product", $"There is no product '{command.ProductId}'."));
        if (product.Kind == ProductKind.PayAsYouGo)
            return (null, new Refusal("not-for-sale", $"'{product.Name}' is paid at each visit from stored value; there is nothing to buy."));

        var time = scheme.Time;
        var today = time.CalendarDate(now);
        LocalDate from, to;
        switch (product.Kind)
        {
            case ProductKind.EventTicket:
                if (now >= time.At(product.ShowEnds!.Value))
                    return (null, new Refusal("event-over", $"'{product.Name}' ended at {product.ShowEnds:yyyy-MM-dd HH:mm}."));
                if (card.Rights.Any(r => r.ProductId == product.Id))
                    return (null, new Refusal("already-held", $"The card already holds a ticket for '{product.Name}'."));
                (from, to) = (product.DoorsOpen!.Value.Date, product.ShowEnds.Value.Date);
                break;
            default:
                from = product.Kind == ProductKind.Carnet ? today : command.StartDate ?? today;
                if (from < today)
                    return (null, new Refusal("start-in-past", $"A {product.Kind} starts today or later (not {from:yyyy-MM-dd})."));
                if (from > today.Plus(MaxAdvancePurchase))
                    return (null, new Refusal("start-too-far", $"A {product.Kind} starts within {MaxAdvancePurchase.Days} days."));
                to = from.Plus(product.Validity!).PlusDays(-1);
                break;
        }

        var price = Pricing.Quote(scheme, product.Id, null, card.ActiveProfile(scheme, today), now);
        if (price is null)
            return (null, new Refusal("not-on-sale", $"'{product.Name}' has no tariff in force."));
        if (card.Balance < price.Charged)
            return (null, new Refusal("insufficient-funds", $"'{product.Name}' costs {price.Charged}; the balance is {card.Balance}."));

        var entries = product.Kind switch { ProductKind.Carnet => product.Entries, ProductKind.EventTicket => 1, _ => null };
        var right = new Right(command.RightId, product.Id, product.Kind, product.Name, product.VenueIds, from, to, entries,
            product.DoorsOpen, product.ShowEnds, false);
        return (new ProductPurchased(card.Id, right, price, card.Balance - price.Charged, command.IdempotencyKey, now), null);
    }

    public static (ConcessionGranted? Granted, Refusal? Refusal) Decide(Card card, Scheme scheme, GrantConcession command, Instant now)
    {
        if (!scheme.Profiles.ContainsKey(command.ProfileId ?? ""))
            return (null, new Refusal("unknown-profile", $"There is no concession profile '{command.ProfileId}'."));
        if (command.ValidTo < command.ValidFrom)
            return (null, new Refusal("invalid-period", $"validTo ({command.ValidTo:yyyy-MM-dd}) is before validFrom ({command.ValidFrom:yyyy-MM-dd})."));
        if (command.ValidTo < scheme.Time.CalendarDate(now))
            return (null, new Refusal("invalid-period", $"A concession ending {command.ValidTo:yyyy-MM-dd} has already lapsed."));
        if (command.ValidTo >= command.ValidFrom.Plus(MaxConcession))
            return (null, new Refusal("invalid-period", $"A concession is granted for five calendar years at most (until {command.ValidFrom.Plus(MaxConcession).PlusDays(-1):yyyy-MM-dd} at the latest); evidence is seen again after that."));
        if (string.IsNullOrWhiteSpace(command.Evidence) || command.Evidence.Length > 200)
            return (null, new Refusal("missing-evidence", "A concession names the evidence seen (1 to 200 characters)."));
        return (new ConcessionGranted(card.Id, new ConcessionGrant(command.GrantId, command.ProfileId!, command.ValidFrom, command.ValidTo,
            command.RecordedEvidence ?? command.Evidence), now), null);
    }
}
