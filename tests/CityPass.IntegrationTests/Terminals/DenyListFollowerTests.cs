using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityPass.Contracts.Terminals;
using CityPass.Host.Terminals;
using CityPass.TerminalSimulator;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Terminals;

/// <summary>
/// The sample terminal's deny list follows docs/terminal-protocol.md: a duplicate push is ignored, a push after a gap is
/// re-synced over HTTP, a push that follows on is applied as it is, and nothing that is not signed with the scheme's
/// deny-list key is applied. Pushes are handed over here as the exchange would.
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
        using var follower = new DenyListFollower(await host.Terminals.HttpAsync("follower-1", TestCity.Library), host.Terminals.DenyListPublicKey);
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
        return (await _http.GetFromJsonAsync<JsonObject>("/deny-list?since=0"))!["version"]!.GetValue<long>();
    }

    [Fact]
    public async Task A_forged_or_unsigned_change_is_refused()
    {
        var card = await _http.IssuedCard();
        using var follower = new DenyListFollower(await host.Terminals.HttpAsync("follower-2", TestCity.Library), host.Terminals.DenyListPublicKey);
        await follower.ResyncAsync();
        var version = follower.Version;

        // Whoever holds a broker login publishes "unblock" or "block" on the exchange: signed with a key of their own, or not at all.
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = Push(version + 1, (card.Uid, true, version + 1));
        forged["signature"] = Convert.ToBase64String(forger.SignData(DenyListSigner.Canonical(Change(forged)), HashAlgorithmName.SHA256));
        await follower.OnPushAsync(forged);
        var unsigned = Push(version + 1, (card.Uid, true, version + 1));
        unsigned.Remove("signature");
        await follower.OnPushAsync(unsigned);

        Assert.Equal(2, follower.Refused);
        Assert.False(follower.IsDenied(card.Uid));
        Assert.Equal(version, follower.Version);

        // The same change signed with the scheme's key is applied: the refusal was the signature's.
        await follower.OnPushAsync(Push(version + 1, (card.Uid, true, version + 1)));
        Assert.True(follower.IsDenied(card.Uid));
    }

    /// <summary>A push as CityPass signs it (the scheme's deny-list key).</summary>
    private JsonObject Push(long version, params (string Uid, bool Denied, long Version)[] changes)
    {
        var change = new DenyListChanged(version, changes.Select(c => new DenyListEntry(c.Uid, c.Denied, c.Denied ? "lost" : "unblocked", c.Version)).ToList());
        return JsonSerializer.SerializeToNode(host.Services.GetRequiredService<DenyListSigner>().WithSignature(change), Api.Json)!.AsObject();
    }

    private static DenyListChanged Change(JsonObject push) => push.Deserialize<DenyListChanged>(Api.Json)!;
}
