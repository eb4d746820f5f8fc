using NodaTime;

namespace CityPass.Domain.Schemes;

// Administrators' changes to the scheme, checked against the scheme as it stands: (scheme, definition, now) -> event | refusal.

public static class SchemeDecisions
{
    public const int MaxIdLength = 64;

    public static (object? Event, Refusal? Refusal) Define(Scheme scheme, Operator op, Instant now)
    {
        var refusal = CheckId(op.Id, "operator") ?? CheckName(op.Name);
        return refusal is null ? (new OperatorDefined(op, now), null) : (null, refusal);
    }

    public static (object? Event, Refusal? Refusal) Define(Scheme scheme, Venue venue, Instant now)
    {
        var refusal = CheckId(venue.Id, "venue") ?? CheckName(venue.Name)
            ?? (scheme.Operators.ContainsKey(venue.OperatorId ?? "") ? null : Unknown("operator", venue.OperatorId))
            ?? CheckHours(venue.OpeningHours);
        return refusal is null ? (new VenueDefined(venue with { OpeningHours = venue.OpeningHours ?? [] }, now), null) : (null, refusal);
    }

    public static (object? Event, Refusal? Refusal) Attach(Scheme scheme, Terminal terminal, Instant now)
    {
        var refusal = CheckId(terminal.Id, "terminal")
            ?? (scheme.Venues.ContainsKey(terminal.VenueId ?? "") ? null : Unknown("venue", terminal.VenueId));
        return refusal is null ? (new TerminalAttached(terminal, now), null) : (null, refusal);
    }

    /// <summary>Gives a terminal attached to a venue a new key version; the previous key stops working.</summary>
    public static (object? Event, Refusal? Refusal) Enrol(Scheme scheme, string terminalId, Instant now) =>
        scheme.Terminals.TryGetValue(terminalId, out var terminal)
            ? (new TerminalEnrolled(terminalId, terminal.KeyVersion + 1, now), null)
            : (null, Unknown("terminal", terminalId));

    public static (object? Event, Refusal? Refusal) Decommission(Scheme scheme, string terminalId, string? reason, Instant now)
    {
        if (!scheme.Terminals.TryGetValue(terminalId, out var terminal))
            return (null, Unknown("terminal", terminalId));
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 200)
            return (null, Invalid("A reason is 1 to 200 characters."));
        return terminal.Decommissioned ? (null, null) : (new TerminalDecommissioned(terminalId, reason, now), null);
    }

    public static (object? Event, Refusal? Refusal) Define(Scheme scheme, Product product, Instant now)
    {
        var refusal = CheckId(product.Id, "product") ?? CheckName(product.Name);
        if (refusal is null && (product.VenueIds is not { Count: > 0 }))
            refusal = Invalid("A product is honoured at one venue at least (venueIds).");
        refusal ??= product.VenueIds.Where(v => !scheme.Venues.ContainsKey(v)).Select(v => Unknown("venue", v)).FirstOrDefault();
        refusal ??= product.Kind switch
        {
            ProductKind.Carnet when product.Entries is not (> 0 and <= 1000) => Invalid("A carnet has 1 to 1000 entries."),
            ProductKind.Carnet or ProductKind.PeriodPass or ProductKind.FreeEntry when !IsPositive(product.Validity) =>
                Invalid($"A {product.Kind} needs a validity period such as P1M or P1Y."),
            ProductKind.EventTicket when product.VenueIds.Count != 1 => Invalid("An event ticket is for one venue."),
            ProductKind.EventTicket when product.DoorsOpen is not { } doors || product.ShowEnds is not { } ends || ends <= doors =>
                Invalid("An event ticket needs doorsOpen before showEnds (local date and time)."),
            _ => null,
        };
        return refusal is null ? (new ProductDefined(product, now), null) : (null, refusal);
    }

    public static (object? Event, Refusal? Refusal) Define(Scheme scheme, ConcessionProfile profile, Instant now)
    {
        var refusal = CheckId(profile.Id, "profile") ?? CheckName(profile.Name)
            ?? (profile.ReductionPercent is < 0 or > 100 ? Invalid("reductionPercent is between 0 and 100.") : null)
            ?? (profile.DailyCapCents is < 0 ? Invalid("dailyCapCents is zero or more.") : null);
        return refusal is null ? (new ConcessionProfileDefined(profile, now), null) : (null, refusal);
    }

    /// <summary>A new tariff version. It takes effect at an instant not in the past, so no past charge is ever re-priced.</summary>
    public static (object? Event, Refusal? Refusal) Set(Scheme scheme, string tariffId, TariffVersion version, MoneyLimits limits, Instant now)
    {
        var product = scheme.Products.GetValueOrDefault(version.ProductId ?? "");
        var refusal = CheckId(tariffId, "tariff")
            ?? (product is null ? Unknown("product", version.ProductId) : null)
            ?? (version.VenueId is { } v && !product!.VenueIds.Contains(v) ? Invalid($"Product '{product.Id}' is not honoured at venue '{v}'.") : null)
            ?? (version.ProfileId is { } p && !scheme.Profiles.ContainsKey(p) ? Unknown("profile", p) : null)
            ?? (version.EffectiveFrom < now ? Invalid($"A tariff takes effect now or later, never in the past ({version.EffectiveFrom} is before {now}).") : null)
            ?? (version.PriceCents is < 0 ? Invalid("A price is zero or more.") : null)
            ?? (product!.Kind == ProductKind.PayAsYouGo && version.PriceCents > limits.MaxFare.Cents
                ? Invalid($"A fare of {Money.FromCents(version.PriceCents.Value)} is over the fare ceiling of {limits.MaxFare}.") : null)
            ?? (version.PriceCents > limits.MaxBalance.Cents ? Invalid($"A price over the stored-value ceiling of {limits.MaxBalance} could never be paid.") : null)
            ?? (version.Rounding.IncrementCents is < 1 or > 100 ? Invalid("The rounding increment is 1 to 100 cents.") : null)
            ?? (version.When is { } when ? CheckHours([when]) : null);
        return refusal is null ? (new TariffSet(tariffId, version, now), null) : (null, refusal);
    }

    public static (object? Event, Refusal? Refusal) Change(Scheme scheme, string timeZoneId, LocalTime cutoff, long? standardDailyCapCents, Instant now)
    {
        if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZoneId ?? "") is null)
            return (null, Invalid($"'{timeZoneId}' is not a time zone id (e.g. Europe/Paris)."));
        if (cutoff > new LocalTime(12, 0))
            return (null, Invalid("The service-day cut-off is between 00:00 and 12:00."));
        if (standardDailyCapCents is < 0)
            return (null, Invalid("standardDailyCapCents is zero or more."));
        return (new SchemeSettingsChanged(timeZoneId!, cutoff, standardDailyCapCents, now), null);
    }

    private static bool IsPositive(Period? period) =>
        period is { } p && p.HasDateComponent && !p.HasTimeComponent && p.Years >= 0 && p.Months >= 0 && p.Weeks >= 0 && p.Days >= 0
        && (p.Years + p.Months + p.Weeks + p.Days) > 0;

    private static Refusal? CheckHours(IReadOnlyList<WeeklyHours>? hours) =>
        hours is null ? null
        : hours.Any(h => h.Days is not { Count: > 0 }) ? Invalid("Opening hours and time bands name one day of the week at least.")
        : null;

    private static Refusal? CheckId(string? id, string what) =>
        string.IsNullOrWhiteSpace(id) || id.Length > MaxIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? Invalid($"A {what} id is 1 to {MaxIdLength} letters, digits, '-', '_' or '.' (got '{id}').")
            : null;

    private static Refusal? CheckName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > 200 ? Invalid("A name is 1 to 200 characters.") : null;

    private static Refusal Unknown(string what, string? id) => new("unknown-reference", $"There is no {what} '{id}' in the scheme.");

    private static Refusal Invalid(string message) => new("invalid", message);
}
