using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using Microsoft.Extensions.FileProviders;

namespace CityPass.Host.Finance.Pages;

/// <summary>Per business day: money loaded, and redemptions (visits and what they earned operators).</summary>
public sealed record DailyActivity(LocalDate Day, long LoadsCents, int Visits, long FaresCents, long ProductSalesCents);

/// <summary>
/// The finance pages: static files in Finance/Pages/wwwroot, embedded in the host and served under /finance (chart.js 4.6.1
/// from there too, no CDN). The pages hold no data; they sign in through /account/login and call the finance API with the
/// bearer token, which enforces the role.
/// </summary>
public static class FinancePages
{
    public static void MapFinancePages(this WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = "/finance",
            FileProvider = new EmbeddedFileProvider(typeof(FinancePages).Assembly, "CityPass.Host.Finance.Pages"),
            OnPrepareResponse = files => Infrastructure.EmbeddedPages.SecurityHeaders(files.Context.Response),
        });
        app.MapGet("/finance", () => Results.Redirect("/finance/index.html")).ExcludeFromDescription();
        app.FinanceGroup().MapGet("/charts/daily", Daily).WithName("FinanceDailyActivity")
            .WithSummary("Finance: loads and redemptions per business day from the ledger (closed or not), for the charts; ?from=&to= (at most 366 days, default the last 30 business days to today's, in the scheme's time).");
        app.FinanceGroup().MapGet("/operators", Operators).WithName("FinanceOperators")
            .WithSummary("Finance: the scheme's operators (id and name), to pick one for a settlement and to name the accounts owed to them.");
    }

    private static async Task<Ok<IReadOnlyList<Operator>>> Operators(IQuerySession session, CancellationToken ct)
    {
        var scheme = await session.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty;
        return TypedResults.Ok<IReadOnlyList<Operator>>(scheme.Operators.Values.OrderBy(o => o.Name, StringComparer.CurrentCulture).ToList());
    }

    private static async Task<Results<Ok<IReadOnlyList<DailyActivity>>, ProblemHttpResult>> Daily(string? from, string? to, IQuerySession session, IClock clock, CancellationToken ct)
    {
        // Today is the scheme's business day (Europe/Paris, cut-off hour), as the ledger's entries count it.
        var today = (await session.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty).Time.ServiceDate(clock.GetCurrentInstant());
        var end = today;
        var start = today.PlusDays(-30);
        if (to is not null && !FinanceHttp.TryDate(to, out end))
            return FinanceHttp.BadDate("to", to);
        if (from is not null && !FinanceHttp.TryDate(from, out start))
            return FinanceHttp.BadDate("from", from);
        if (end < start || Period.Between(start, end, PeriodUnits.Days).Days > 366)
            return Infrastructure.Problems.BadRequest("Invalid period", "from must be before to, at most 366 days apart.");
        var (a, b) = (LedgerEntry.DayNumberOf(start), LedgerEntry.DayNumberOf(end));
        var entries = await session.Query<LedgerEntry>().Where(e => e.DayNumber >= a && e.DayNumber <= b).ToListAsync(ct);
        var byDay = entries.ToLookup(e => e.BusinessDay);
        var days = new List<DailyActivity>();
        for (var d = start; d <= end; d = d.PlusDays(1))
        {
            var of = byDay[d].ToList();
            days.Add(new DailyActivity(d,
                of.Where(e => e.Is(LedgerKind.Load)).Aggregate(0L, (s, e) => checked(s - e.On(LedgerAccounts.StoredValue))),
                of.Sum(e => e.Visits),
                of.Where(e => e.Is(LedgerKind.Fare)).Aggregate(0L, (s, e) => checked(s + e.On(LedgerAccounts.StoredValue))),
                of.Where(e => e.Is(LedgerKind.Purchase)).Aggregate(0L, (s, e) => checked(s + e.On(LedgerAccounts.StoredValue)))));
        }
        return TypedResults.Ok<IReadOnlyList<DailyActivity>>(days);
    }
}
