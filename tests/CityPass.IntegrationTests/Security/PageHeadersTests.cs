namespace CityPass.IntegrationTests.Security;

/// <summary>The finance pages carry the same security headers as /portal and /admin.</summary>
[Collection(CityPassCollection.Name)]
public class PageHeadersTests(CityPassHost host)
{
    [Theory]
    [InlineData("/finance/index.html")]
    [InlineData("/finance/finance.js")]
    [InlineData("/finance/finance.css")]
    [InlineData("/finance/lib/chart.umd.js")]
    public async Task The_finance_pages_carry_the_content_security_policy_and_nosniff(string path)
    {
        var response = await host.Anonymous().GetAsync(path);

        response.EnsureSuccessStatusCode();
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task The_finance_page_has_no_inline_style_or_script_the_policy_would_block()
    {
        var page = await host.Anonymous().GetStringAsync("/finance/index.html");
        Assert.DoesNotContain("<style", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("<script>", page);
    }
}
