using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Tests.Finance;

/// <summary>Two operators: the city (pool, library) and a private car-park company; a city pass honoured by both.</summary>
public static class FinanceScheme
{
    public static readonly Instant Defined = Instant.FromUtc(2026, 1, 1, 0, 0);

    public static Scheme Build(LocalTime? cutoff = null) =>
        new object[]
        {
            new SchemeSettingsChanged("Europe/Paris", cutoff ?? new LocalTime(4, 0), null, Defined),
            new OperatorDefined(new Operator("city", "City of Rennes"), Defined),
            new OperatorDefined(new Operator("parkco", "ParkCo"), Defined),
            new OperatorDefined(new Operator("zoo", "Zoo"), Defined),
            new VenueDefined(new Venue("pool", "city", "Pool", VenueKind.Pool, []), Defined),
            new VenueDefined(new Venue("library", "city", "Library", VenueKind.Library, []), Defined),
            new VenueDefined(new Venue("parking", "parkco", "Car park", VenueKind.CarPark, []), Defined),
            new VenueDefined(new Venue("zoo", "zoo", "Zoo", VenueKind.Other, []), Defined),
            new ProductDefined(new Product("payg", ProductKind.PayAsYouGo, "Pay as you go", ["pool", "library", "parking", "zoo"]), Defined),
            new ProductDefined(new Product("city-pass", ProductKind.PeriodPass, "City pass", ["pool", "parking", "zoo"], Validity: Period.FromMonths(1)), Defined),
        }.Aggregate(Scheme.Empty, (s, e) => s.Evolve(e));
}
