using System.Net;
using CityPass.IntegrationTests.Payments;

namespace CityPass.IntegrationTests.Accounts;

/// <summary>The desk's, the scheme's and the terminals' administration answers administrators only.</summary>
[Collection(CityPassCollection.Name)]
public class AdministrationAccessTests(CityPassHost host)
{
    public static TheoryData<string, string> AdministratorEndpoints => new()
    {
        { "POST", "/cards" },
        { "GET", $"/cards/{Guid.NewGuid()}" },
        { "GET", "/cards/by-uid/04A22B1C5D6E80" },
        { "GET", $"/cards/{Guid.NewGuid()}/history" },
        { "POST", $"/cards/{Guid.NewGuid()}/loads" },
        { "POST", $"/cards/{Guid.NewGuid()}/block" },
        { "POST", $"/cards/{Guid.NewGuid()}/unblock" },
        { "POST", $"/cards/{Guid.NewGuid()}/purchases" },
        { "POST", $"/cards/{Guid.NewGuid()}/concessions" },
        { "POST", "/cards/personalisation" },
        { "GET", "/scheme" },
        { "GET", "/scheme/history" },
        { "PUT", "/scheme/venues/x" },
        { "POST", "/scheme/tariffs/x/versions" },
        { "POST", "/terminals/x/enrol" },
        { "POST", "/terminals/x/decommission" },
        { "GET", "/terminals/incidents" },
        { "GET", "/terminals/health" },
        { "GET", "/terminals/x/gaps" },
    };

    [Theory]
    [MemberData(nameof(AdministratorEndpoints))]
    public async Task Anonymous_callers_get_401_and_cardholders_403(string method, string path)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().SendAsync(new HttpRequestMessage(new HttpMethod(method), path))).StatusCode);
        var (cardholder, _) = await host.SignedInCardholder();
        Assert.Equal(HttpStatusCode.Forbidden, (await cardholder.SendAsync(new HttpRequestMessage(new HttpMethod(method), path))).StatusCode);
    }

    // The deny list needs a terminal's signature since protocol 2 (issue 14): Terminals/TerminalHttpTests.
}
