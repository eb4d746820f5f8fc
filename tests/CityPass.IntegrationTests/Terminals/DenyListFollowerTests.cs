using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CityPass.TerminalSimulator;

namespace CityPass.IntegrationTests.Terminals;

/// <summary>
/// The sample terminal's deny list follows docs/terminal-protocol.md: a duplicate push is ignored, a push after a gap is
/// re-synced over HTTP, a push that follows on is applied as it is. Pushes are handed over here as the exchange would.
/// </summary>
[Collection(CityPassCollection.Name)]
public class DenyListFollowerTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    [Fact]
    public async Task Duplicates_are_ignored_gaps_are_resynced_and_the_next_change_is_applied()
    {
        var a = await _http.IssuedCard();
        var b = await _http.IssuedCard();
        var c = await _http.IssuedCard();
        var first = await Block(a.Id, "block");
        var follower = new DenyListFollower(host.Anonymous());
        await follower.ResyncAsync();
        Assert.True(follower.IsDenied(a.Uid));
        Assert.Equal(first, follower.Version);
        Assert.Equal(1, follower.Resyncs);

        // The push of that change arrives late: a duplicate, nothing happens.
        await follower.OnPushAsync(Push(first, (a.Uid, true, first)));
        Assert.Equal(1, follower.Resyncs);

        // Two more changes; the push of the first is lost: the second's push shows the gap and the list is fetched.
        var second = await Block(b.Id, "block");
        var third = await Block(c.Id, "block");
        await follower.OnPushAsync(Push(third, (c.Uid, true, third)));
        Assert.Equal(2, follower.Resyncs);
        Assert.Equal(third, follower.Version);
        Assert.True(second < third);
        Assert.True(follower.IsDenied(b.Uid) && follower.IsDenied(c.Uid));

        // The next change follows on: applied from the push alone.
        var fourth = await Block(a.Id, "unblock");
        await follower.OnPushAsync(Push(fourth, (a.Uid, false, fourth)));
        Assert.Equal(2, follower.Resyncs);
        Assert.Equal(fourth, follower.Version);
        Assert.False(follower.IsDenied(a.Uid));
    }

    /// <summary>Blocks or unblocks a card and returns the deny list's version after it.</summary>
    private async Task<long> Block(Guid card, string action)
    {
        (await _http.PostAsJsonAsync($"/cards/{card}/{action}", new { reason = "lost" })).EnsureSuccessStatusCode();
        return (await host.Anonymous().GetFromJsonAsync<JsonObject>("/deny-list?since=0"))!["version"]!.GetValue<long>();
    }

    private static JsonObject Push(long version, params (string Uid, bool Denied, long Version)[] changes) => new()
    {
        ["version"] = version,
        ["changes"] = new JsonArray(changes.Select(c => (JsonNode)new JsonObject
        {
            ["cardUid"] = c.Uid, ["denied"] = c.Denied, ["reason"] = "lost", ["version"] = c.Version,
        }).ToArray()),
    };
}
