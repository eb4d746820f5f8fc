using System.Security.Claims;
using CityPass.Host.Accounts;
using NodaTime.Text;

namespace CityPass.Host.Finance;

/// <summary>What every finance endpoint shares: the finance role, dates in ISO form, the user named in audit events.</summary>
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
}
