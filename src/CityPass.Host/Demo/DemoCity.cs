using CityPass.Domain;
using CityPass.Domain.Cards;
using CityPass.Host.Venues;
using Marten;
using NodaTime;

namespace CityPass.Host.Demo;

/// <summary>
/// A small city to try CityPass with (configuration <c>Demo:Seed=true</c>, as ./run.sh sets it):
/// a pool, a library, a car park and a theatre, and a few cards with balances. Seeding twice changes nothing.
/// </summary>
public static class DemoCity
{
    public static readonly Venue[] Venues =
    [
        new("piscine-brequigny", "Piscine de Bréquigny", VenueKind.Pool, 350, ["pool-gate-1", "pool-gate-2"]),
        new("bibliotheque-champs-libres", "Bibliothèque des Champs Libres", VenueKind.Library, 100, ["library-desk-1"]),
        new("parking-colombier", "Parking Colombier", VenueKind.CarPark, 250, ["parking-exit-1"]),
        new("theatre-national-bretagne", "Théâtre National de Bretagne", VenueKind.Theatre, 1200, ["theatre-door-1"]),
    ];

    /// <summary>UIDs in the forms readers report: 7-byte NXP UIDs start with 04.</summary>
    public static readonly (string Uid, long BalanceCents)[] Cards =
    [
        ("04A22B1C5D6E80", 50_00),
        ("04B33C2D6E7F91", 20_00),
        ("04C44D3E7F80A2", 5_00),
        ("DEADBEEF", 0),
    ];

    public static async Task SeedAsync(IDocumentStore store, IClock clock, ILogger logger, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Store(Venues);
        var now = clock.GetCurrentInstant();
        var issuedUids = await session.Query<Card>().Select(c => c.Uid).ToListAsync(ct);
        foreach (var (uid, balance) in Cards.Where(c => !issuedUids.Contains(c.Uid)))
        {
            var id = Guid.CreateVersion7();
            var issued = new CardIssued(id, uid, now);
            var events = new List<object> { issued };
            if (balance > 0)
                events.Add(new ValueLoaded(id, Money.FromCents(balance), "demo", $"demo-seed/{uid}", Money.FromCents(balance), now));
            session.Events.StartStream<Card>(id, events.ToArray());
        }
        await session.SaveChangesAsync(ct);
        logger.LogInformation("Demo city seeded: {Venues} venues, {Cards} cards", Venues.Length, Cards.Length);
    }
}
