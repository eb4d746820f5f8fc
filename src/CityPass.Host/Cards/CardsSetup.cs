using CityPass.Host.Cards.Blocking;
using CityPass.Host.Cards.Concessions;
using CityPass.Host.Cards.Issuing;
using CityPass.Host.Cards.Loading;
using CityPass.Host.Cards.Purchasing;
using CityPass.Host.Cards.Reading;
using JasperFx.Events.Projections;

namespace CityPass.Host.Cards;

/// <summary>Cards: the card stream's snapshot (its statement is read from the stream: <see cref="CardStatement"/>), the receipts of idempotent writes, the money ceilings, the desk's endpoints.</summary>
public static class CardsSetup
{
    public static IServiceCollection AddCityPassCards(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<LedgerOptions>(configuration.GetSection("Ledger"));
        services.ConfigureMarten(o =>
        {
            // The card's state is an inline snapshot: a tap reads one row, whatever the length of the card's history.
            // A rebuild (rebuild-projections) reads the card events 5,000 at a time and writes each card once per 50,000 cards
            // changed instead of once per page it appears in.
            o.Projections.Add<CardProjection>(ProjectionLifecycle.Inline, rebuild =>
            {
                rebuild.BatchSize = 5_000;
                rebuild.RebuildFlushThreshold = 50_000;
            });
            // The chip UID in a column of its own, unique: the index then reads a column no write changes, so a tap's new
            // snapshot of its card can be a HOT update (no new index entries) where an index on data ->> 'uid' made
            // every write of a card insert into both of the table's indexes (docs/performance.md, "Inside the append, and the card's row").
            o.Schema.For<Card>().Duplicate(c => c.Uid, configure: index => index.IsUnique = true);
            o.Schema.For<IdempotencyRecord>();
        });
        return services;
    }

    /// <summary>The desk's card endpoints (administrators).</summary>
    public static void MapCards(this IEndpointRouteBuilder app)
    {
        app.MapIssueCard();
        app.MapReadCard();
        app.MapLoadValue();
        app.MapBlockCard();
        app.MapPurchaseProduct();
        app.MapGrantConcession();
    }
}
