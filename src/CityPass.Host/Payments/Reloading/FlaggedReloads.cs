using CityPass.Domain.Payments;
using CityPass.Host.Accounts;

namespace CityPass.Host.Payments.Reloading;

/// <summary>
/// A payment Stripe confirmed for a reload that does not exist here (its metadata names an unknown reload): money taken
/// that nobody asked CityPass for. Nothing is credited; finance refunds it in Stripe, or loads the right card by hand.
/// </summary>
/// <param name="Id">The PaymentIntent id: a payment is listed once, however many events tell of it.</param>
public sealed record UnrequestedPayment(
    string Id, Guid ReloadId, long AmountCents, string Currency, string ProviderEventId, Instant ReceivedAt);

/// <summary>Finance's work list: the flagged reloads and the payments nobody asked for.</summary>
public sealed record FlaggedPayments(IReadOnlyList<ReloadView> Reloads, IReadOnlyList<UnrequestedPayment> Unrequested);

/// <summary>Finance's work list: reloads Stripe confirmed differently, credited past a limit, or refunded in another currency.</summary>
public static class FlaggedReloads
{
    public static void MapFlaggedReloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/reloads/flagged", List)
            .RequireAuthorization(p => p.RequireRole(AccountsSetup.AdministratorRole, AccountsSetup.FinanceRole))
            .WithTags("Payments")
            .WithName("ListFlaggedReloads")
            .WithSummary("Administrator or finance: reloads flagged for finance (never credited silently), newest first.");
        app.MapGet("/finance/reloads/flagged", ListWithUnrequested)
            .RequireAuthorization(AccountsSetup.FinancePolicy)
            .WithTags("Finance")
            .WithName("ListFlaggedPayments")
            .WithSummary("Finance: flagged reloads and payments for reloads that do not exist, newest first.");
    }

    private static async Task<Ok<IReadOnlyList<ReloadView>>> List(IQuerySession session, CancellationToken ct) =>
        TypedResults.Ok(await FlaggedAsync(session, ct));

    private static async Task<Ok<FlaggedPayments>> ListWithUnrequested(IQuerySession session, CancellationToken ct)
    {
        var unrequested = await session.Query<UnrequestedPayment>().OrderByDescending(p => p.ReceivedAt).Take(200).ToListAsync(ct);
        return TypedResults.Ok(new FlaggedPayments(await FlaggedAsync(session, ct), unrequested));
    }

    private static async Task<IReadOnlyList<ReloadView>> FlaggedAsync(IQuerySession session, CancellationToken ct)
    {
        var flagged = await session.Query<Reload>()
            .Where(r => r.Flags.Any())
            .OrderByDescending(r => r.LastChangedAt)
            .Take(200)
            .ToListAsync(ct);
        return flagged.Select(r => ReloadView.From(r)).ToList();
    }
}
