using CityPass.Domain.Schemes;
using CityPass.Host.Infrastructure;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace CityPass.Host.Schemes;

/// <summary>One change to the scheme, as the audit trail shows it.</summary>
public sealed record SchemeChange(long Version, string Type, object Change, Instant RecordedAt);

/// <summary>A venue as anyone may see it: where the card is accepted.</summary>
public sealed record PublicVenue(string Id, string Name, VenueKind Kind);

public static class ReadScheme
{
    /// <summary>The venues, for the portal and apps: public information, no login needed.</summary>
    public static void MapPublicVenues(this IEndpointRouteBuilder app) =>
        app.MapGet("/venues", async (IQuerySession session, CancellationToken ct) =>
                TypedResults.Ok((await SchemeWriter.ReadAsync(session, ct)).Venues.Values
                    .OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => new PublicVenue(v.Id, v.Name, v.Kind)).ToList()))
            .WithTags("Venues")
            .WithSummary("Where the card is accepted.");

    public static void MapReadScheme(this IEndpointRouteBuilder app)
    {
        var scheme = app.MapGroup("/scheme").WithTags("Scheme administration");
        scheme.MapGet("", async (IQuerySession session, CancellationToken ct) => TypedResults.Ok(await SchemeWriter.ReadAsync(session, ct)))
            .WithSummary("The scheme as it stands: operators, venues, terminals, products, profiles, tariffs and their versions.");
        scheme.MapGet("/history", async (IQuerySession session, CancellationToken ct) =>
            {
                var events = await session.Events.FetchStreamAsync(Scheme.StreamId, token: ct);
                return TypedResults.Ok(events.Select(e => new SchemeChange(e.Version, e.EventTypeName, e.Data, Instant.FromDateTimeOffset(e.Timestamp))));
            })
            .WithSummary("Every change ever made to the scheme, oldest first.");
        scheme.MapGet("/quote", Quote)
            .WithSummary("The price of a product at a venue for a profile at an instant, with how it was found.");
    }

    private static async Task<Results<Ok<PriceBreakdown>, ProblemHttpResult>> Quote(
        string productId, IQuerySession session, IClock clock, CancellationToken ct, string? venueId = null, string? profileId = null, string? at = null)
    {
        var scheme = await SchemeWriter.ReadAsync(session, ct);
        var when = clock.GetCurrentInstant();
        if (at is not null)
        {
            var parsed = NodaTime.Text.InstantPattern.ExtendedIso.Parse(at);
            if (!parsed.Success)
                return Problems.BadRequest("Invalid instant", $"at must be an ISO-8601 UTC instant such as 2027-03-28T09:00:00Z (got '{at}').");
            when = parsed.Value;
        }
        ConcessionProfile? profile = null;
        if (profileId is not null && !scheme.Profiles.TryGetValue(profileId, out profile))
            return Problems.NotFound("Unknown profile", $"There is no concession profile '{profileId}'.");
        return Pricing.Quote(scheme, productId, venueId, profile, when) is { } price
            ? TypedResults.Ok(price)
            : Problems.NotFound("No tariff", $"No tariff prices '{productId}' there and then.");
    }
}
