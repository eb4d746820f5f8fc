using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Cards;

/// <summary>A card presented at a venue's terminal.</summary>
public sealed record Tap(string VenueId, string TerminalId, long TerminalSequence, Instant TerminalTime);

/// <summary>Why a tap is declined. The names are the reason codes terminals receive.</summary>
public enum DeclineReason
{
    InvalidRequest,
    UnknownCard,
    CardBlocked,
    InsufficientFunds,
    SequenceReused,
    UnknownVenue,
    VenueClosed,
    NoValidRight,
    OutsideValidity,
    EventNotStarted,
    EventOver,
    AlreadyUsed,
    NoEntriesLeft,

    // Found by the screening (TapScreening), before any fare is priced.
    NotAuthenticated,
    StaleRequest,
    CardNotAuthentic,
    CardReplayed,
}

/// <summary>What a tap used, for the terminal's display. <see cref="StoredValue"/> when a fare was charged.</summary>
public static class RightUsed
{
    public const string StoredValue = "StoredValue";
}

public abstract record TapDecision
{
    private TapDecision() { }

    /// <param name="Event">The event to append: <see cref="FareCharged"/> or <see cref="EntryRedeemed"/>.</param>
    /// <param name="RightUsed">"StoredValue", or the kind of product whose right was used.</param>
    public sealed record Authorized(
        object Event, string RightUsed, string? ProductId, int? EntriesLeft, LocalDate? ValidUntil, Money Charged, Money BalanceAfter) : TapDecision;

    /// <param name="Fare">For <see cref="DeclineReason.InsufficientFunds"/>: the fare the balance did not cover.</param>
    public sealed record Declined(DeclineReason Reason, string Message, Money? Balance, PriceBreakdown? Fare = null) : TapDecision;
}

public static class TapDecisions
{
    /// <summary>
    /// Chooses the right a tap uses, by this precedence: an event ticket for a show on now at this venue; a free entry
    /// valid today; a period pass valid today; a carnet entry (the carnet that lapses first); then stored value at the
    /// venue's pay-as-you-go tariff, reduced for the holder's concession and capped for the service day.
    /// </summary>
    public static TapDecision Decide(Card card, Scheme scheme, Tap tap, Instant now)
    {
        if (card.Status == CardStatus.Blocked)
            return new TapDecision.Declined(DeclineReason.CardBlocked, $"The card is blocked ({card.BlockReason}).", card.Balance);
        if (!scheme.Venues.TryGetValue(tap.VenueId, out var venue))
            return new TapDecision.Declined(DeclineReason.UnknownVenue, $"There is no venue '{tap.VenueId}' in the scheme.", null);
        if (scheme.Terminals.TryGetValue(tap.TerminalId, out var terminal) && terminal.VenueId != venue.Id)
            return new TapDecision.Declined(DeclineReason.InvalidRequest,
                $"Terminal {tap.TerminalId} is attached to venue '{terminal.VenueId}', not '{venue.Id}'.", null);

        var time = scheme.Time;
        var local = time.Local(now);
        var serviceDate = time.ServiceDate(now);
        if (!venue.IsOpen(local))
            return new TapDecision.Declined(DeclineReason.VenueClosed, $"{venue.Name} is closed at {local:ddd HH:mm}.", card.Balance);

        var here = card.Rights.Where(r => r.VenueIds.Contains(venue.Id)).ToList();
        var right = here.FirstOrDefault(r => r.Kind == ProductKind.EventTicket && !r.Used && IsOn(r, time, now))
            ?? here.FirstOrDefault(r => r.Kind == ProductKind.FreeEntry && r.IsValidOn(local.Date))
            ?? here.FirstOrDefault(r => r.Kind == ProductKind.PeriodPass && r.IsValidOn(local.Date))
            ?? here.Where(r => r.Kind == ProductKind.Carnet && r.IsValidOn(local.Date) && r.EntriesLeft > 0)
                .OrderBy(r => r.ValidTo).ThenBy(r => r.Id).FirstOrDefault();
        if (right is not null)
        {
            int? left = right.Kind switch { ProductKind.Carnet => right.EntriesLeft - 1, ProductKind.EventTicket => 0, _ => null };
            var entry = new EntryRedeemed(card.Id, right.Id, right.ProductId, right.Kind, venue.Id, tap.TerminalId, tap.TerminalSequence,
                left, serviceDate, tap.TerminalTime, now);
            return new TapDecision.Authorized(entry, right.Kind.ToString(), right.ProductId, left, right.ValidTo, Money.Zero, card.Balance);
        }

        var profile = card.ActiveProfile(scheme, local.Date);
        if (scheme.PayAsYouGoAt(venue.Id) is { } payg && Pricing.Quote(scheme, payg.Id, venue.Id, profile, now) is { } quote)
        {
            var cap = (profile?.DailyCapCents ?? scheme.StandardDailyCapCents) is { } capCents ? Money.FromCents(capCents) : (Money?)null;
            var price = Pricing.Cap(quote, cap, card.SpentOn(serviceDate));
            if (card.Balance < price.Charged)
                return new TapDecision.Declined(DeclineReason.InsufficientFunds,
                    $"The fare of {price.Charged} is more than the balance of {card.Balance}.", card.Balance, price);
            var charge = new FareCharged(card.Id, venue.Id, tap.TerminalId, tap.TerminalSequence, price.Charged, card.Balance - price.Charged,
                serviceDate, price, tap.TerminalTime, now);
            return new TapDecision.Authorized(charge, RightUsed.StoredValue, payg.Id, null, null, price.Charged, charge.BalanceAfter);
        }

        var (reason, message) = WhyNot(here, time, now, local.Date, venue);
        return new TapDecision.Declined(reason, message, card.Balance);
    }

    private static bool IsOn(Right ticket, SchemeTime time, Instant now) =>
        time.At(ticket.DoorsOpen!.Value) <= now && now <= time.At(ticket.ShowEnds!.Value);

    /// <summary>The most helpful reason when no right applies and the venue takes no stored value now.</summary>
    private static (DeclineReason, string) WhyNot(List<Right> here, SchemeTime time, Instant now, LocalDate today, Venue venue)
    {
        var tickets = here.Where(r => r.Kind == ProductKind.EventTicket).ToList();
        if (tickets.FirstOrDefault(t => !t.Used && now < time.At(t.DoorsOpen!.Value)) is { } early)
            return (DeclineReason.EventNotStarted, $"Doors for '{early.Name}' open at {early.DoorsOpen:yyyy-MM-dd HH:mm}.");
        if (tickets.FirstOrDefault(t => t.Used) is { } used)
            return (DeclineReason.AlreadyUsed, $"The ticket for '{used.Name}' was already used.");
        if (tickets.FirstOrDefault(t => now > time.At(t.ShowEnds!.Value)) is { } over)
            return (DeclineReason.EventOver, $"'{over.Name}' ended at {over.ShowEnds:yyyy-MM-dd HH:mm}.");
        if (here.FirstOrDefault(r => r.Kind == ProductKind.Carnet && r.IsValidOn(today) && r.EntriesLeft <= 0) is { } empty)
            return (DeclineReason.NoEntriesLeft, $"Every entry of '{empty.Name}' was used.");
        if (here.FirstOrDefault(r => r.Kind != ProductKind.EventTicket && !r.IsValidOn(today)) is { } outside)
            return (DeclineReason.OutsideValidity, $"'{outside.Name}' is valid from {outside.ValidFrom:yyyy-MM-dd} to {outside.ValidTo:yyyy-MM-dd}.");
        return (DeclineReason.NoValidRight, $"The card holds no right valid at {venue.Name} now.");
    }
}
