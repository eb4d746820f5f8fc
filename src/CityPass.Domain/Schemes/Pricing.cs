using NodaTime;

namespace CityPass.Domain.Schemes;

/// <summary>
/// How a price was found, recorded with the charge so that it can be explained after the tariff changed:
/// the tariff version, the base price, the concession applied, the rounding rule, the daily cap, and what was charged.
/// </summary>
/// <param name="DailyCap">The cap that applied to the tap's service day; null when none did (or for a purchase).</param>
public sealed record PriceBreakdown(
    string TariffId,
    Instant TariffEffectiveFrom,
    Money Base,
    string? ProfileId,
    int ReductionPercent,
    string Rounding,
    Money Reduced,
    Money? DailyCap,
    Money Charged)
{
    /// <summary>The product priced (charges recorded before it was added name only their tariff).</summary>
    public string? ProductId { get; init; }

    /// <summary>What the service day had spent before this fare, when a daily cap applied and the day was remembered.</summary>
    public Money? SpentBefore { get; init; }

    /// <summary>
    /// The fare came for a service day the card no longer remembers (see <c>Card.CapMemoryDays</c>): the cap might
    /// already have been reached that day, so nothing was charged.
    /// </summary>
    public bool CapMemoryLapsed { get; init; }

    /// <summary>What the daily cap took off the reduced price.</summary>
    public Money CapTookOff => Reduced - Charged;
}

public static class Pricing
{
    /// <summary>
    /// The price of a product (at a venue, for a profile, at an instant): the most specific tariff in force wins
    /// (profile &gt; venue &gt; time band); a tariff that is not for the holder's profile is reduced by the profile's
    /// percentage and rounded by the tariff's rule. Null when no tariff applies.
    /// </summary>
    public static PriceBreakdown? Quote(Scheme scheme, string productId, string? venueId, ConcessionProfile? profile, Instant at)
    {
        var local = scheme.Time.Local(at);
        var best = scheme.Tariffs.Values
            .Select(t => (t.Id, Version: t.At(at)))
            .Where(x => x.Version is { PriceCents: not null } v
                        && v.ProductId == productId
                        && (v.VenueId is null || v.VenueId == venueId)
                        && (v.ProfileId is null || v.ProfileId == profile?.Id)
                        && (v.When is null || v.When.Contains(local)))
            .OrderByDescending(x => Specificity(x.Version!))
            .ThenBy(x => x.Id, StringComparer.Ordinal)
            .FirstOrDefault();
        if (best.Version is not { } tariff)
            return null;

        var price = Money.FromCents(tariff.PriceCents!.Value);
        var reduction = tariff.ProfileId is null && profile is not null ? profile.ReductionPercent : 0;
        var reduced = tariff.Rounding.Reduce(price, reduction);
        return new PriceBreakdown(best.Id, tariff.EffectiveFrom, price, profile?.Id, reduction, tariff.Rounding.ToString(), reduced, null, reduced)
        {
            ProductId = productId,
        };
    }

    /// <summary>
    /// Applies a daily cap to a pay-as-you-go fare: what its service day already spent counts, whatever the order the
    /// day's taps arrive in; the tap that crosses the cap pays the rest up to it, and every tap after it is authorized at
    /// zero. A day no longer remembered (<paramref name="spentThatDay"/> null) is charged nothing: it might be capped.
    /// </summary>
    public static PriceBreakdown Cap(PriceBreakdown price, Money? cap, Money? spentThatDay)
    {
        if (cap is not { } limit)
            return price;
        if (spentThatDay is not { } spent)
            return price with { DailyCap = limit, Charged = Money.Zero, CapMemoryLapsed = true };
        var room = limit > spent ? limit - spent : Money.Zero;
        return price with { DailyCap = limit, SpentBefore = spent, Charged = price.Reduced < room ? price.Reduced : room };
    }

    private static int Specificity(TariffVersion v) =>
        (v.ProfileId is null ? 0 : 4) + (v.VenueId is null ? 0 : 2) + (v.When is null ? 0 : 1);
}
