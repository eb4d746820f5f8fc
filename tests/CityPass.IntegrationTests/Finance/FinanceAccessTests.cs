using System.Net;
using CityPass.IntegrationTests.Payments;

namespace CityPass.IntegrationTests.Finance;

[Collection(CityPassCollection.Name)]
public class FinanceAccessTests(CityPassHost host)
{
    public static readonly TheoryData<string, string> Endpoints = new()
    {
        { "GET", "/finance/trial-balance" },
        { "GET", "/finance/days" },
        { "GET", "/finance/days/2026-11-24" },
        { "POST", "/finance/days/2026-11-24/close" },
        { "GET", "/finance/settlements/city?from=2026-11-01&to=2026-11-30" },
        { "POST", "/finance/reconciliation/stripe-report" },
        { "GET", "/finance/discrepancies" },
        { "POST", "/finance/discrepancies/x/resolve" },
        { "GET", "/finance/charts/daily" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Finance_endpoints_refuse_anonymous_callers_cardholders_and_administrators(string method, string path)
    {
        var (cardholder, _) = await host.SignedInCardholder();
        var administrator = await host.Administrator();
        await host.LedgerCaughtUp();
        var rows = await host.RowCount();

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().SendAsync(new HttpRequestMessage(new HttpMethod(method), path))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await cardholder.SendAsync(new HttpRequestMessage(new HttpMethod(method), path))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await administrator.SendAsync(new HttpRequestMessage(new HttpMethod(method), path))).StatusCode);
        Assert.Equal(rows, await host.RowCount());
    }

    [Fact]
    public async Task The_finance_user_reads_the_trial_balance_and_the_pages_and_chart_js_are_served_locally()
    {
        var finance = await host.Finance();
        Assert.Equal(HttpStatusCode.OK, (await finance.GetAsync("/finance/trial-balance")).StatusCode);
        var page = await host.CreateClient().GetStringAsync("/finance/index.html");
        Assert.Contains("lib/chart.umd.js", page);
        Assert.DoesNotContain("cdn", page, StringComparison.OrdinalIgnoreCase);
        var chart = await host.CreateClient().GetStringAsync("/finance/lib/chart.umd.js");
        Assert.StartsWith("/*!\n * Chart.js v4.6.1", chart);
    }
}
