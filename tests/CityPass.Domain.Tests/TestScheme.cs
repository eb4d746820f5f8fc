using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Tests;

/// <summary>
/// A scheme after Rennes, built from its events: a pool (3.50, 4.00 on weekday evenings, open 07:00-22:00), a car park
/// (1.50, always open), a library (free entry for members), a theatre with one show, the "Sortir" profiles, a standard
/// cap of 6.00 a day and a 04:00 service-day cut-off.
/// </summary>
public static class TestScheme
{
    public static readonly Instant Defined = Instant.FromUtc(2026, 1, 1, 0, 0);
    public static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];

    public static readonly IsoDayOfWeek[] EveryDay =
        [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday, IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday];

    public static readonly IsoDayOfWeek[] Weekdays =
        [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday];

    /// <summary>Hamlet, Saturday 12 December 2026: doors 19:30, ends 22:45, Paris time.</summary>
    public static readonly LocalDateTime HamletDoors = new(2026, 12, 12, 19, 30);
    public static readonly LocalDateTime HamletEnds = new(2026, 12, 12, 22, 45);

    public static Scheme Build(long? standardCapCents = 6_00) =>
        new object[]
        {
            new SchemeSettingsChanged("Europe/Paris", new LocalTime(4, 0), standardCapCents, Defined),
            new OperatorDefined(new Operator("city", "City of Rennes"), Defined),
            new VenueDefined(new Venue("pool", "city", "Piscine de Bréquigny", VenueKind.Pool, [new WeeklyHours(EveryDay, new LocalTime(7, 0), new LocalTime(22, 0))]), Defined),
            new VenueDefined(new Venue("parking", "city", "Parking Colombier", VenueKind.CarPark, []), Defined),
            new VenueDefined(new Venue("library", "city", "Champs Libres", VenueKind.Library, []), Defined),
            new VenueDefined(new Venue("theatre", "city", "TNB", VenueKind.Theatre, []), Defined),
            new ProductDefined(new Product("payg", ProductKind.PayAsYouGo, "Pay as you go", ["pool", "parking"]), Defined),
            new ProductDefined(new Product("swim-10", ProductKind.Carnet, "10 swims", ["pool"], Entries: 10, Validity: Period.FromYears(1)), Defined),
            new ProductDefined(new Product("parking-month", ProductKind.PeriodPass, "Monthly parking", ["parking"], Validity: Period.FromMonths(1)), Defined),
            new ProductDefined(new Product("library-membership", ProductKind.FreeEntry, "Library", ["library"], Validity: Period.FromYears(1)), Defined),
            new ProductDefined(new Product("hamlet", ProductKind.EventTicket, "Hamlet", ["theatre"], DoorsOpen: HamletDoors, ShowEnds: HamletEnds), Defined),
            new ConcessionProfileDefined(new ConcessionProfile("sortir-50", "Sortir 50", 50, 3_00), Defined),
            new ConcessionProfileDefined(new ConcessionProfile("sortir-85", "Sortir 85", 85, null), Defined),
            new ConcessionProfileDefined(new ConcessionProfile("sortir-100", "Sortir 100", 100, null), Defined),
            new TariffSet("pool", Tariff("payg", "pool", null, 3_50), Defined),
            new TariffSet("pool-evening", Tariff("payg", "pool", new WeeklyHours(Weekdays, new LocalTime(17, 0), new LocalTime(20, 0)), 4_00), Defined),
            new TariffSet("parking", Tariff("payg", "parking", null, 1_50), Defined),
            new TariffSet("swim-10", Tariff("swim-10", null, null, 30_00), Defined),
            new TariffSet("parking-month", Tariff("parking-month", null, null, 60_00), Defined),
            new TariffSet("library-membership", Tariff("library-membership", null, null, 0), Defined),
            new TariffSet("hamlet", Tariff("hamlet", null, null, 22_00), Defined),
        }.Aggregate(Scheme.Empty, (scheme, e) => scheme.Evolve(e));

    public static TariffVersion Tariff(string product, string? venue, WeeklyHours? when, long cents, Instant? from = null, RoundingRule? rounding = null) =>
        new(from ?? Defined, product, venue, null, when, cents, rounding ?? RoundingRule.HalfUpToTheCent);

    /// <summary>The instant of a Paris wall-clock time (strict: tests name times that exist).</summary>
    public static Instant InParis(int year, int month, int day, int hour, int minute = 0) =>
        new LocalDateTime(year, month, day, hour, minute).InZoneStrictly(Paris).ToInstant();

    public static Card NewCard(long balanceCents = 0)
    {
        var id = Guid.NewGuid();
        var card = Card.From(new CardIssued(id, "04A22B1C5D6E80", Defined));
        return balanceCents == 0
            ? card
            : card.Evolve(new ValueLoaded(id, Money.FromCents(balanceCents), new LoadSource("test"), "k", Money.FromCents(balanceCents), Defined));
    }

    private static long _sequence;

    public static Tap TapAt(string venue, Instant at) => new(venue, $"{venue}-gate", Interlocked.Increment(ref _sequence), at);
}
