using CityPass.Domain.Schemes;
using CityPass.Host.Cards;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Schemes;

public sealed record OperatorRequest(string? Name);

public sealed record VenueRequest(string? OperatorId, string? Name, VenueKind? Kind, List<WeeklyHours>? OpeningHours);

public sealed record TerminalRequest(string? VenueId);

public sealed record ProductRequest(
    ProductKind? Kind, string? Name, List<string>? VenueIds, int? Entries, Period? Validity, LocalDateTime? DoorsOpen, LocalDateTime? ShowEnds);

public sealed record ProfileRequest(string? Name, int? ReductionPercent, long? DailyCapCents);

/// <param name="PriceCents">The price; omit it with <c>withdraw: true</c> to end the tariff.</param>
/// <param name="EffectiveFrom">When it takes effect (now when omitted; never in the past).</param>
public sealed record TariffVersionRequest(
    string? ProductId, string? VenueId, string? ProfileId, WeeklyHours? When, long? PriceCents, bool Withdraw,
    RoundingMode? Rounding, int? RoundingIncrementCents, Instant? EffectiveFrom);

public sealed record SettingsRequest(string? TimeZoneId, LocalTime? ServiceDayCutoff, long? StandardDailyCapCents);

/// <summary>Administrators' endpoints: every change to the scheme is an event on the scheme stream.</summary>
public static class ChangeScheme
{
    public static void MapChangeScheme(this IEndpointRouteBuilder app)
    {
        var scheme = app.MapGroup("/scheme").WithTags("Scheme administration");
        scheme.MapPut("/settings", (SettingsRequest? r, IDocumentStore store, IClock clock, CancellationToken ct) =>
            Change(store, ct, s => r is null
                ? Missing("timeZoneId, serviceDayCutoff")
                : SchemeDecisions.Change(s, r.TimeZoneId ?? s.TimeZoneId, r.ServiceDayCutoff ?? s.ServiceDayCutoff, r.StandardDailyCapCents, clock.GetCurrentInstant())))
            .WithSummary("Time zone, service-day cut-off and the standard daily cap.");
        scheme.MapPut("/operators/{id}", (string id, OperatorRequest? r, IDocumentStore store, IClock clock, CancellationToken ct) =>
            Change(store, ct, s => SchemeDecisions.Define(s, new Operator(id, r?.Name!), clock.GetCurrentInstant())))
            .WithSummary("Define or rename an operator (whoever must be paid).");
        scheme.MapPut("/venues/{id}", (string id, VenueRequest? r, IDocumentStore store, IClock clock, CancellationToken ct) =>
            Change(store, ct, s => r?.Kind is not { } kind
                ? Missing("kind")
                : SchemeDecisions.Define(s, new Venue(id, r.OperatorId!, r.Name!, kind, r.OpeningHours ?? []), clock.GetCurrentInstant())))
            .WithSummary("Define a venue with its operator and local opening hours (none: always open).");
        scheme.MapPut("/terminals/{id}", (string id, TerminalRequest? r, IDocumentStore store, IClock clock, CancellationToken ct) =>
            Change(store, ct, s => SchemeDecisions.Attach(s, new Terminal(id, r?.VenueId!), clock.GetCurrentInstant())))
            .WithSummary("Attach a terminal to a venue.");
        scheme.MapPut("/products/{id}", (string id, ProductRequest? r, IDocumentStore store, IClock clock, CancellationToken ct) =>
            Change(store, ct, s => r?.Kind is not { } kind
                ? Missing("kind")
                : SchemeDecisions.Define(s, new Product(id, kind, r.Name!, r.VenueIds ?? [], r.Entries, r.Validity, r.DoorsOpen, r.ShowEnds),
                    clock.GetCurrentInstant())))
            .WithSummary("Define a product: PayAsYouGo, Carnet, PeriodPass, EventTicket or FreeEntry.");
        scheme.MapPut("/profiles/{id}", (string id, ProfileRequest? r, IDocumentStore store, IClock clock, CancellationToken ct) =>
            Change(store, ct, s => r?.ReductionPercent is not { } reduction
                ? Missing("reductionPercent")
                : SchemeDecisions.Define(s, new ConcessionProfile(id, r.Name!, reduction, r.DailyCapCents), clock.GetCurrentInstant())))
            .WithSummary("Define a concession profile: its reduction and daily cap.");
        scheme.MapPost("/tariffs/{id}/versions", (string id, TariffVersionRequest? r, IDocumentStore store, IClock clock,
                IOptions<LedgerOptions> ledger, CancellationToken ct) =>
            Change(store, ct, s =>
            {
                if (r?.ProductId is null)
                    return Missing("productId");
                if (r.PriceCents is null && !r.Withdraw)
                    return Missing("priceCents (or withdraw: true)");
                var now = clock.GetCurrentInstant();
                var version = new TariffVersion(r.EffectiveFrom ?? now, r.ProductId, r.VenueId, r.ProfileId, r.When,
                    r.Withdraw ? null : r.PriceCents, new RoundingRule(r.Rounding ?? RoundingMode.HalfUp, r.RoundingIncrementCents ?? 1));
                return SchemeDecisions.Set(s, id, version, ledger.Value.ToLimits(), now);
            }))
            .WithSummary("Add a tariff version taking effect at an instant (now or later); earlier charges keep their price.");
    }

    private static async Task<Results<Ok<Scheme>, ProblemHttpResult>> Change(
        IDocumentStore store, CancellationToken ct, Func<Scheme, (object? Event, Refusal? Refusal)> decide)
    {
        var (scheme, refusal) = await SchemeWriter.ChangeAsync(store, decide, ct);
        return refusal is null ? TypedResults.Ok(scheme!) : Problems.Refused(refusal);
    }

    private static (object?, Refusal?) Missing(string fields) => (null, new Refusal("invalid", $"Missing: {fields}."));
}
