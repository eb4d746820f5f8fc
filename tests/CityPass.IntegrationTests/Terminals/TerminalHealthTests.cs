using System.Net.Http.Json;
using CityPass.Host.Terminals;
using NodaTime;

namespace CityPass.IntegrationTests.Terminals;

[Collection(CityPassCollection.Name)]
public class TerminalHealthTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    private Task Beat(string terminal, long denyListVersion, byte[]? key = null) => host.Terminals.Beat(terminal, TestCity.Library, denyListVersion, key);

    private async Task<TerminalHealthReport> Health() => (await _http.GetFromJsonAsync<TerminalHealthReport>("/terminals/health", Api.Json))!;

    private Task<TerminalHealthRow?> Row(string terminal, Func<TerminalHealthRow?, bool> until) =>
        Eventually.ReadAsync(async () => (await Health()).NeedAttention.FirstOrDefault(r => r.TerminalId == terminal), until,
            $"the health of {terminal} as expected", every: TimeSpan.FromMilliseconds(50));

    [Fact]
    public async Task Silent_and_out_of_date_terminals_are_listed_and_a_current_one_is_not()
    {
        await host.Terminals.KeyAsync("library-health-quiet", TestCity.Library);
        var version = (await Health()).DenyListVersion;

        await Beat("library-health-1", version);

        Assert.Contains("never-seen", (await Row("library-health-quiet", r => r is not null))!.Problems);
        Assert.Null(await Row("library-health-1", r => r is null));

        var card = await _http.IssuedCard();
        (await _http.PostAsJsonAsync($"/cards/{card.Id}/block", new { reason = "stolen" })).EnsureSuccessStatusCode();
        Assert.Equal(["deny-list-behind"], (await Row("library-health-1", r => r is not null))!.Problems);

        host.Clock.Advance(Duration.FromMinutes(6));
        Assert.Contains("silent", (await Row("library-health-1", r => r?.Problems.Contains("silent") == true))!.Problems);
    }

    [Fact]
    public async Task A_heartbeat_that_does_not_verify_is_reported_and_ignored()
    {
        await host.Terminals.KeyAsync("library-health-2", TestCity.Library);

        await Beat("library-health-2", 0, key: new byte[32]);

        var incidents = await Row("library-health-2", r => r is not null); // still never seen
        Assert.Contains("never-seen", incidents!.Problems);
        var recorded = await Eventually.ReadAsync(async () => (await _http.GetFromJsonAsync<List<SecurityIncident>>("/terminals/incidents?limit=1000", Api.Json))!,
            all => all.Any(x => x.TerminalId == "library-health-2" && x.Kind == "heartbeat-not-authenticated"), "the heartbeat-not-authenticated incident");
        Assert.Contains(recorded, x => x.TerminalId == "library-health-2" && x.Kind == "heartbeat-not-authenticated");
    }
}
