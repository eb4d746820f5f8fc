using System.Security.Claims;
using CityPass.Host.Accounts;
using Marten.Events;
using NodaTime.Text;

namespace CityPass.Host.Finance;

/// <summary>
/// What every finance endpoint shares: the finance role, dates in ISO form, the user named in audit events, waiting for the
/// ledger.
/// </summary>
public static class FinanceHttp
{
    public static RouteGroupBuilder FinanceGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/finance").RequireAuthorization(AccountsSetup.FinancePolicy).WithTags("Finance");

    public static bool TryDate(string? text, out LocalDate date)
    {
        date = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var parsed = LocalDatePattern.Iso.Parse(text);
        if (!parsed.Success)
            return false;
        date = parsed.Value;
        return true;
    }

    public static ProblemHttpResult BadDate(string name, string? text) =>
        Infrastructure.Problems.BadRequest("Invalid date", $"{name} must be a local date like 2026-11-25 (got '{text}').");

    public static string Who(ClaimsPrincipal user) => user.Identity?.Name ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown";

    /// <summary>
    /// The ledger is an async projection: waits until it has posted what is committed, at most <paramref name="limit"/>.
    /// False when it is still behind then; the caller goes on with the ledger as it stands.
    /// </summary>
    public static async Task<bool> LedgerCaughtUpAsync(this IDocumentStore store, TimeSpan limit)
    {
        try
        {
            await store.WaitForNonStaleProjectionDataAsync(limit);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
