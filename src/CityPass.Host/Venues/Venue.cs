using CityPass.Host.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Host.Venues;

public enum VenueKind
{
    Pool,
    Library,
    CarPark,
    Theatre,
}

/// <summary>
/// A place where cards are accepted, with the fare its terminals ask by default.
/// Reference data for now; the products-and-tariffs work turns venues and fares into an event-sourced scheme.
/// </summary>
public sealed record Venue(string Id, string Name, VenueKind Kind, long DefaultFareCents, string[] TerminalIds);

public static class VenueEndpoints
{
    public static void MapVenues(this IEndpointRouteBuilder app)
    {
        app.MapGet("/venues", async (IQuerySession session, CancellationToken ct) =>
                TypedResults.Ok(await session.Query<Venue>().OrderBy(v => v.Id).ToListAsync(ct)))
            .WithName("ListVenues").WithSummary("The venues where cards are accepted.");
        app.MapGet("/venues/{id}", async Task<Results<Ok<Venue>, ProblemHttpResult>> (string id, IQuerySession session, CancellationToken ct) =>
                await session.LoadAsync<Venue>(id, ct) is { } venue
                    ? TypedResults.Ok(venue)
                    : Problems.NotFound("Unknown venue", $"No venue '{id}'."))
            .WithName("GetVenue");
    }
}
