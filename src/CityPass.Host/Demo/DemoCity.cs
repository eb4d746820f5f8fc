using CityPass.Domain.Schemes;
using CityPass.Host.Schemes;

namespace CityPass.Host.Demo;

/// <summary>
/// A small city to try CityPass with (configuration <c>Demo:Seed=true</c>, as ./run.sh sets it), after Rennes:
/// a pool, a library, a car park and a theatre with their operators, products, tariffs and "Sortir" concessions,
/// and a few cards. The scheme goes through the same decisions as the administrators' endpoints.
/// Seeding again changes nothing.
/// </summary>
public static class DemoCity
{
    private static readonly IsoDayOfWeek[] EveryDay =
        [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday, IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday];

    private static readonly IsoDayOfWeek[] Weekdays =
        [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday];

    /// <summary>UIDs in the forms readers report: 7-byte NXP UIDs start with 04.</summary>
    public static readonly (string Uid, long BalanceCents, string? Concession)[] Cards =
    [
        ("04A22B1C5D6E80", 50_00, null),
        ("04B33C2D6E7F91", 20_00, "sortir-85"),
        ("04C44D3E7F80A2", 5_00, "student"),
        ("DEADBEEF", 0, null),
    ];

    public static async Task SeedAsync(IDocumentStore store, IClock clock, MoneyLimits limits, ILogger logger, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        await using (var query = store.QuerySession())
        {
            if (await query.LoadAsync<Scheme>(Scheme.StreamId, ct) is null)
                await SeedSchemeAsync(store, now, limits, ct);
        }

        await using var session = store.LightweightSession();
        var scheme = await SchemeWriter.ReadAsync(session, ct);
        var today = scheme.Time.CalendarDate(now);
        var issuedUids = await session.Query<Card>().Select(c => c.Uid).ToListAsync(ct);
        foreach (var (uid, balance, concession) in Cards.Where(c => !issuedUids.Contains(c.Uid)))
        {
            var id = Guid.CreateVersion7();
            var card = Card.From(new CardIssued(id, uid, now));
            var events = new List<object> { new CardIssued(id, uid, now) };
            if (balance > 0)
                events.Add(new ValueLoaded(id, Money.FromCents(balance), LoadSource.Demo, $"demo-seed/{uid}", Money.FromCents(balance), now));
            if (concession is not null)
            {
                var (granted, _) = CardDecisions.Decide(card, scheme,
                    new GrantConcession(Guid.CreateVersion7(), concession, today, today.PlusYears(1).PlusDays(-1), "demo: CAF attestation seen at the desk"), now);
                events.Add(granted!);
            }
            session.Events.StartStream<Card>(id, events.ToArray());
        }
        await session.SaveChangesAsync(ct);
        logger.LogInformation("Demo city seeded: {Venues} venues, {Products} products, {Cards} cards",
            scheme.Venues.Count, scheme.Products.Count, Cards.Length);
    }

    private static async Task SeedSchemeAsync(IDocumentStore store, Instant now, MoneyLimits limits, CancellationToken ct)
    {
        var local = now.InZone(DateTimeZoneProviders.Tzdb["Europe/Paris"]).Date;
        var nextSaturday = local.Next(IsoDayOfWeek.Saturday);
        var definitions = new List<Func<Scheme, (object?, Refusal?)>>
        {
            s => SchemeDecisions.Change(s, "Europe/Paris", new LocalTime(4, 0), 6_00, now),
            s => SchemeDecisions.Define(s, new Operator("piscines-rennes", "Piscines de Rennes"), now),
            s => SchemeDecisions.Define(s, new Operator("bibliotheques-metropole", "Bibliothèques de Rennes Métropole"), now),
            s => SchemeDecisions.Define(s, new Operator("parkings-citedia", "Citédia Parkings"), now),
            s => SchemeDecisions.Define(s, new Operator("tnb", "Théâtre National de Bretagne"), now),
            s => SchemeDecisions.Define(s, new Venue("piscine-brequigny", "piscines-rennes", "Piscine de Bréquigny", VenueKind.Pool,
                [new WeeklyHours(EveryDay, new LocalTime(7, 0), new LocalTime(22, 0))]), now),
            s => SchemeDecisions.Define(s, new Venue("bibliotheque-champs-libres", "bibliotheques-metropole", "Bibliothèque des Champs Libres",
                VenueKind.Library, [new WeeklyHours([IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday,
                    IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday], new LocalTime(10, 0), new LocalTime(19, 0))]), now),
            s => SchemeDecisions.Define(s, new Venue("parking-colombier", "parkings-citedia", "Parking Colombier", VenueKind.CarPark, []), now),
            s => SchemeDecisions.Define(s, new Venue("theatre-national-bretagne", "tnb", "Théâtre National de Bretagne", VenueKind.Theatre, []), now),
            s => SchemeDecisions.Attach(s, new Terminal("pool-gate-1", "piscine-brequigny"), now),
            s => SchemeDecisions.Attach(s, new Terminal("pool-gate-2", "piscine-brequigny"), now),
            s => SchemeDecisions.Attach(s, new Terminal("library-desk-1", "bibliotheque-champs-libres"), now),
            s => SchemeDecisions.Attach(s, new Terminal("parking-exit-1", "parking-colombier"), now),
            s => SchemeDecisions.Attach(s, new Terminal("theatre-door-1", "theatre-national-bretagne"), now),
            s => SchemeDecisions.Define(s, new Product("payg", ProductKind.PayAsYouGo, "Pay as you go", ["piscine-brequigny", "parking-colombier"]), now),
            s => SchemeDecisions.Define(s, new Product("swim-10", ProductKind.Carnet, "10 swims", ["piscine-brequigny"], Entries: 10, Validity: Period.FromYears(1)), now),
            s => SchemeDecisions.Define(s, new Product("parking-month", ProductKind.PeriodPass, "Monthly parking", ["parking-colombier"], Validity: Period.FromMonths(1)), now),
            s => SchemeDecisions.Define(s, new Product("library-membership", ProductKind.FreeEntry, "Library membership", ["bibliotheque-champs-libres"],
                Validity: Period.FromYears(1)), now),
            s => SchemeDecisions.Define(s, new Product("tnb-hamlet", ProductKind.EventTicket, $"Hamlet, {nextSaturday:yyyy-MM-dd}", ["theatre-national-bretagne"],
                DoorsOpen: nextSaturday.At(new LocalTime(19, 30)), ShowEnds: nextSaturday.At(new LocalTime(22, 45))), now),
            s => SchemeDecisions.Define(s, new ConcessionProfile("sortir-50", "Sortir! 50 %", 50, 3_00), now),
            s => SchemeDecisions.Define(s, new ConcessionProfile("sortir-85", "Sortir! 85 %", 85, 1_50), now),
            s => SchemeDecisions.Define(s, new ConcessionProfile("sortir-100", "Sortir! 100 %", 100, null), now),
            s => SchemeDecisions.Define(s, new ConcessionProfile("student", "Student", 30, null), now),
            s => SchemeDecisions.Define(s, new ConcessionProfile("senior", "Senior", 40, null), now),
            s => SchemeDecisions.Set(s, "pool", Tariff("payg", "piscine-brequigny", null, 3_50, now), limits, now),
            s => SchemeDecisions.Set(s, "pool-peak", Tariff("payg", "piscine-brequigny", new WeeklyHours(Weekdays, new LocalTime(17, 0), new LocalTime(20, 0)), 4_00, now), limits, now),
            s => SchemeDecisions.Set(s, "parking", Tariff("payg", "parking-colombier", null, 2_50, now), limits, now),
            s => SchemeDecisions.Set(s, "swim-10", Tariff("swim-10", null, null, 30_00, now), limits, now),
            s => SchemeDecisions.Set(s, "parking-month", Tariff("parking-month", null, null, 60_00, now), limits, now),
            s => SchemeDecisions.Set(s, "library-membership", Tariff("library-membership", null, null, 12_00, now), limits, now),
            s => SchemeDecisions.Set(s, "tnb-hamlet", Tariff("tnb-hamlet", null, null, 22_00, now), limits, now),
        };
        foreach (var define in definitions)
        {
            var (_, refusal) = await SchemeWriter.ChangeAsync(store, define, ct);
            if (refusal is not null)
                throw new InvalidOperationException($"The demo scheme is inconsistent: {refusal.Message}");
        }
    }

    private static TariffVersion Tariff(string product, string? venue, WeeklyHours? when, long cents, Instant now) =>
        new(now, product, venue, null, when, cents, RoundingRule.HalfUpToTheCent);
}
