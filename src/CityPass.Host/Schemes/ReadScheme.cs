using CityPass.Domain.Schemes;
using CityPass.Host.Cards.Reading;
using JasperFx.Events;

namespace CityPass.Host.Schemes;

/// <summary>One change to the scheme, as the audit trail shows it.</summary>
public sealed record SchemeChange(long Version, string Type, object Change, Instant RecordedAt);

/// <summary>
/// A price preview. Without a card: the tariff's price for a profile, ignoring what a card would change (its rights, the
/// venue's opening hours, the daily cap). With a card: what a tap of that card at the venue would do then, by the same
/// decision as a real tap (nothing is recorded).
/// </summary>
/// <param name="Price">The price and how it was found; null when a right would be used or the tap would be declined.</param>
/// <param name="RightUsed">With a card: "StoredValue", or the kind of product whose right would be used.</param>
/// <param name="ProductId">The product priced, or whose right would be used.</param>
/// <param name="Declined">With a card: why the tap would be declined.</param>
/// <param name="Considered">What the answer took into account, among rights, openingHours, concession, dailyCap.</param>
/// <param name="Ignored">What it did not: a tap could cost less (a right, the cap) or be refused (opening hours).</param>
public sealed record QuoteAnswer(
    PriceBreakdown? Price, string? RightUsed, string? ProductId, DeclineReason? Declined, string? Message,
    IReadOnlyList<string> Considered, IReadOnlyList<string> Ignored);

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
            .WithSummary("The price of a product at a venue for a profile at an instant, with how it was found; with cardId, what that card's tap would do.");
    }

    private static readonly string[] CardAspects = ["rights", "openingHours", "concession", "dailyCap"];

    private static async Task<Results<Ok<QuoteAnswer>, ProblemHttpResult>> Quote(
        IQuerySession session, IClock clock, CancellationToken ct,
        string? productId = null, string? venueId = null, string? profileId = null, string? at = null, Guid? cardId = null)
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
        if (cardId is { } id)
        {
            if (venueId is null || profileId is not null)
                return Problems.BadRequest("Invalid quote", "A quote for a card names the venue, and no profile: the card's own concession applies.");
            if (await session.LoadAsync<Card>(id, ct) is not { } card)
                return ReadCard.NoSuchCard(id.ToString());
            var ignored = productId is null ? Array.Empty<string>() : ["productId"];
            return TypedResults.Ok(TapDecisions.Decide(card, scheme, new Tap(venueId, "quote", 0, when), when) switch
            {
                TapDecision.Authorized a => new QuoteAnswer((a.Event as FareCharged)?.Price, a.RightUsed, a.ProductId, null, null, CardAspects, ignored),
                TapDecision.Declined d => new QuoteAnswer(d.Fare, null, null, d.Reason, d.Message, CardAspects, ignored),
                _ => throw new InvalidOperationException("Unknown tap decision."),
            });
        }
        if (productId is null)
            return Problems.BadRequest("Invalid quote", "productId is required without a cardId.");
        ConcessionProfile? profile = null;
        if (profileId is not null && !scheme.Profiles.TryGetValue(profileId, out profile))
            return Problems.NotFound("Unknown profile", $"There is no concession profile '{profileId}'.");
        return Pricing.Quote(scheme, productId, venueId, profile, when) is { } price
            ? TypedResults.Ok(new QuoteAnswer(price, null, productId, null, null, profile is null ? [] : ["concession"], ["rights", "openingHours", "dailyCap"]))
            : Problems.NotFound("No tariff", $"No tariff prices '{productId}' there and then.");
    }
}
