using CityPass.Domain.Payments;
using CityPass.Host.Accounts;

namespace CityPass.Host.Payments.Reloading;

/// <summary>Finance's work list: reloads Stripe confirmed differently, credited past a limit, or refunded in another currency.</summary>
public static class FlaggedReloads
{
    public static void MapFlaggedReloads(this IEndpointRouteBuilder app) =>
        app.MapGet("/admin/reloads/flagged", List)
            .RequireAuthorization(AccountsSetup.AdministratorPolicy)
            .WithTags("Payments")
            .WithName("ListFlaggedReloads")
            .WithSummary("Administrator: reloads flagged for finance (never credited silently), newest first.");

    private static async Task<Ok<IReadOnlyList<ReloadView>>> List(IQuerySession session, CancellationToken ct)
    {
        var flagged = await session.Query<Reload>()
            .Where(r => r.Flags.Any())
            .OrderByDescending(r => r.LastChangedAt)
            .Take(200)
            .ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<ReloadView>>(flagged.Select(r => ReloadView.From(r)).ToList());
    }
}
