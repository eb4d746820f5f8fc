using NodaTime;

namespace CityPass.Domain.Schemes;

// The scheme stream: one stream for the whole catalogue (operators, venues, terminals, products, concession profiles,
// tariffs, settings). Administrators change it rarely, every change is an event, and a charge records which tariff
// version priced it, so any past decision can be explained from this stream.

public sealed record Operator(string Id, string Name);

public enum VenueKind
{
    Pool,
    Library,
    CarPark,
    Theatre,
    Museum,
    Other,
}

/// <param name="OpeningHours">When the venue accepts taps, in local time; empty means always (a car park).</param>
public sealed record Venue(string Id, string OperatorId, string Name, VenueKind Kind, IReadOnlyList<WeeklyHours> OpeningHours)
{
    public bool IsOpen(LocalDateTime at) => OpeningHours.Count == 0 || OpeningHours.Any(h => h.Contains(at));
}

/// <param name="KeyVersion">0 until enrolled; each enrolment rotates the terminal's key to a new version.</param>
/// <param name="Decommissioned">A decommissioned terminal is refused until enrolled again.</param>
public sealed record Terminal(string Id, string VenueId, int KeyVersion = 0, bool Decommissioned = false)
{
    public bool CanSign => KeyVersion > 0 && !Decommissioned;
}

public enum ProductKind
{
    /// <summary>A fare per tap from stored value, priced by the venue's tariff.</summary>
    PayAsYouGo,

    /// <summary>N entries, valid for a period from the day of purchase.</summary>
    Carnet,

    /// <summary>Unlimited entries between two local dates (a monthly parking subscription).</summary>
    PeriodPass,

    /// <summary>One entry to one event, from doors opening to the end of the show.</summary>
    EventTicket,

    /// <summary>Free entries between two local dates (library membership); each visit is still recorded.</summary>
    FreeEntry,
}

/// <param name="VenueIds">Where the product is honoured.</param>
/// <param name="Entries">Carnets: how many entries.</param>
/// <param name="Validity">Carnets, passes and free entries: how long from the first day (P1M, P1Y).</param>
/// <param name="DoorsOpen">Event tickets: local date and time the doors open.</param>
/// <param name="ShowEnds">Event tickets: local date and time the show ends.</param>
public sealed record Product(
    string Id,
    ProductKind Kind,
    string Name,
    IReadOnlyList<string> VenueIds,
    int? Entries = null,
    Period? Validity = null,
    LocalDateTime? DoorsOpen = null,
    LocalDateTime? ShowEnds = null);

/// <summary>A social or status tariff granted to cards: pay (100 − reduction) % of the tariff, and maybe a lower daily cap.</summary>
public sealed record ConcessionProfile(string Id, string Name, int ReductionPercent, long? DailyCapCents);

/// <summary>
/// One version of a tariff, in force from <paramref name="EffectiveFrom"/> until the next version.
/// The most specific matching tariff prices a product: for a profile, at a venue, in a time band.
/// </summary>
/// <param name="PriceCents">The price; null withdraws the tariff from <paramref name="EffectiveFrom"/>.</param>
/// <param name="ProfileId">When set, this is the price for holders of that profile (no further reduction).</param>
public sealed record TariffVersion(
    Instant EffectiveFrom,
    string ProductId,
    string? VenueId,
    string? ProfileId,
    WeeklyHours? When,
    long? PriceCents,
    RoundingRule Rounding);

public sealed record Tariff(string Id, IReadOnlyList<TariffVersion> Versions)
{
    /// <summary>The version in force at <paramref name="at"/>, if any.</summary>
    public TariffVersion? At(Instant at) =>
        Versions.Where(v => v.EffectiveFrom <= at).MaxBy(v => v.EffectiveFrom);
}

public sealed record OperatorDefined(Operator Operator, Instant At);

public sealed record VenueDefined(Venue Venue, Instant At);

public sealed record TerminalAttached(Terminal Terminal, Instant At);

/// <summary>A terminal received credentials: its key of version <paramref name="KeyVersion"/> (the key itself is never stored).</summary>
public sealed record TerminalEnrolled(string TerminalId, int KeyVersion, Instant At);

public sealed record TerminalDecommissioned(string TerminalId, string Reason, Instant At);

public sealed record ProductDefined(Product Product, Instant At);

public sealed record ConcessionProfileDefined(ConcessionProfile Profile, Instant At);

public sealed record TariffSet(string TariffId, TariffVersion Version, Instant At);

/// <param name="StandardDailyCapCents">The daily cap on pay-as-you-go for cards without a concession profile; null for none.</param>
public sealed record SchemeSettingsChanged(string TimeZoneId, LocalTime ServiceDayCutoff, long? StandardDailyCapCents, Instant At);

public sealed record Scheme(
    Guid Id,
    string TimeZoneId,
    LocalTime ServiceDayCutoff,
    long? StandardDailyCapCents,
    IReadOnlyDictionary<string, Operator> Operators,
    IReadOnlyDictionary<string, Venue> Venues,
    IReadOnlyDictionary<string, Terminal> Terminals,
    IReadOnlyDictionary<string, Product> Products,
    IReadOnlyDictionary<string, ConcessionProfile> Profiles,
    IReadOnlyDictionary<string, Tariff> Tariffs)
{
    /// <summary>There is one scheme; its stream has this id.</summary>
    public static readonly Guid StreamId = new("5c7e3e1a-0000-4000-8000-c17a9a550001");

    public static readonly Scheme Empty = new(
        StreamId, "Europe/Paris", new LocalTime(4, 0), null,
        new Dictionary<string, Operator>(), new Dictionary<string, Venue>(), new Dictionary<string, Terminal>(),
        new Dictionary<string, Product>(), new Dictionary<string, ConcessionProfile>(), new Dictionary<string, Tariff>());

    public SchemeTime Time => new(DateTimeZoneProviders.Tzdb[TimeZoneId], ServiceDayCutoff);

    /// <summary>The events of a Scheme's stream: those <see cref="Evolve"/> folds. Its projection takes
    /// only these (a stream of other events is not a Scheme's); keep it beside the switch, a test compares them.</summary>
    public static readonly IReadOnlyList<Type> EventTypes =
    [
        typeof(OperatorDefined), typeof(VenueDefined), typeof(TerminalAttached), typeof(TerminalEnrolled),
        typeof(TerminalDecommissioned), typeof(ProductDefined), typeof(ConcessionProfileDefined), typeof(TariffSet),
        typeof(SchemeSettingsChanged),
    ];

    public Scheme Evolve(object @event) => @event switch
    {
        OperatorDefined e => this with { Operators = With(Operators, e.Operator.Id, e.Operator) },
        VenueDefined e => this with { Venues = With(Venues, e.Venue.Id, e.Venue) },
        TerminalAttached e => this with
        {
            Terminals = With(Terminals, e.Terminal.Id,
                Terminals.GetValueOrDefault(e.Terminal.Id) is { } known ? known with { VenueId = e.Terminal.VenueId } : e.Terminal),
        },
        TerminalEnrolled e => this with
        {
            Terminals = With(Terminals, e.TerminalId, Terminals[e.TerminalId] with { KeyVersion = e.KeyVersion, Decommissioned = false }),
        },
        TerminalDecommissioned e => this with
        {
            Terminals = With(Terminals, e.TerminalId, Terminals[e.TerminalId] with { Decommissioned = true }),
        },
        ProductDefined e => this with { Products = With(Products, e.Product.Id, e.Product) },
        ConcessionProfileDefined e => this with { Profiles = With(Profiles, e.Profile.Id, e.Profile) },
        TariffSet e => this with
        {
            Tariffs = With(Tariffs, e.TariffId,
                new Tariff(e.TariffId, [.. Tariffs.GetValueOrDefault(e.TariffId)?.Versions ?? [], e.Version])),
        },
        SchemeSettingsChanged e => this with
        {
            TimeZoneId = e.TimeZoneId, ServiceDayCutoff = e.ServiceDayCutoff, StandardDailyCapCents = e.StandardDailyCapCents,
        },
        _ => this,
    };

    /// <summary>The pay-as-you-go product honoured at a venue, if any.</summary>
    public Product? PayAsYouGoAt(string venueId) =>
        Products.Values.Where(p => p.Kind == ProductKind.PayAsYouGo && p.VenueIds.Contains(venueId)).OrderBy(p => p.Id, StringComparer.Ordinal).FirstOrDefault();

    private static Dictionary<string, T> With<T>(IReadOnlyDictionary<string, T> map, string key, T value) =>
        new(map) { [key] = value };
}
