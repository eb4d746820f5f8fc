using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CityPass.Contracts.Terminals;
using CityPass.Host.Terminals;
using CityPass.TerminalSimulator;

namespace CityPass.IntegrationTests.Terminals;

/// <summary>
/// A terminal's HTTP calls carry its signature (docs/terminal-protocol.md, "HTTP calls"): without it, or with a wrong one,
/// 401 and nothing read or written; with it, the deny list by pages, signed, reason codes only.
/// </summary>
[Collection(CityPassCollection.Name)]
public class TerminalHttpTests(CityPassHost host)
{
    private readonly HttpClient _admin = host.CreateClient();

    [Fact]
    public async Task Anonymous_and_badly_signed_calls_get_401_and_write_nothing()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().GetAsync("/deny-list?since=0")).StatusCode);

        var incidents = (await _admin.GetFromJsonAsync<JsonArray>("/terminals/incidents?limit=1000"))!.Count;
        var batch = new UploadOfflineTaps("ghost-terminal-1", Guid.NewGuid(),
            [new OfflineTap(7, "04A22B1C5D6E80", TestCity.Library, host.Clock.GetCurrentInstant(), 1, new string('0', 16), new string('0', 64))]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().PostAsJsonAsync("/terminals/ghost-terminal-1/offline-taps", batch, Api.Json)).StatusCode);

        // An enrolled terminal's id with someone else's key: refused the same way.
        await host.Terminals.KeyAsync("http-forged-1", TestCity.Library);
        var forged = host.Anonymous();
        var now = host.Clock.GetCurrentInstant().ToUnixTimeMilliseconds();
        forged.DefaultRequestHeaders.Add("CityPass-Terminal", "http-forged-1");
        forged.DefaultRequestHeaders.Add("CityPass-Time", now.ToString(CultureInfo.InvariantCulture));
        forged.DefaultRequestHeaders.Add("CityPass-Signature", TerminalCrypto.SignHttp(new byte[32], "GET", "/deny-list?since=0", "http-forged-1", now, []));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/deny-list?since=0")).StatusCode);

        Assert.Equal(incidents, (await _admin.GetFromJsonAsync<JsonArray>("/terminals/incidents?limit=1000"))!.Count);
        Assert.Empty((await _admin.GetFromJsonAsync<JsonArray>("/terminals/ghost-terminal-1/gaps"))!);
    }

    [Fact]
    public async Task A_terminal_reads_the_deny_list_by_signed_pages_of_reason_codes()
    {
        var lost = await _admin.IssuedCard();
        var other = await _admin.IssuedCard();
        (await _admin.PostAsJsonAsync($"/cards/{lost.Id}/block", new { reason = "lost" })).EnsureSuccessStatusCode();
        (await _admin.PostAsJsonAsync($"/cards/{other.Id}/block", new { reason = "Mme Martin called the desk: left on the 32 bus" })).EnsureSuccessStatusCode();
        var terminal = await host.Terminals.HttpAsync("http-reader-1", TestCity.Library);

        var entries = new List<JsonObject>();
        long since = 0;
        var pages = 0;
        while (true)
        {
            var response = await terminal.GetAsync($"/deny-list?since={since}&limit=1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.True(TerminalCrypto.VerifyDenyList(host.Terminals.DenyListPublicKey, page, since), page.ToJsonString());
            Assert.True(page["entries"]!.AsArray().Count <= 1);
            entries.AddRange(page["entries"]!.AsArray().Select(e => e!.AsObject()));
            pages++;
            since = page["version"]!.GetValue<long>();
            if (page["more"]?.GetValue<bool>() != true)
                break;
        }

        Assert.True(pages >= 2);
        Assert.Contains(entries, e => e["cardUid"]!.GetValue<string>() == lost.Uid && e["reason"]!.GetValue<string>() == "lost");
        Assert.Contains(entries, e => e["cardUid"]!.GetValue<string>() == other.Uid && e["reason"]!.GetValue<string>() == "other");
    }

    [Fact]
    public async Task A_terminal_uploads_its_own_offline_taps_only()
    {
        var gate = await host.Terminals.HttpAsync("http-uploader-1", TestCity.Library);
        await host.Terminals.KeyAsync("http-uploader-2", TestCity.Library);
        var empty = new UploadOfflineTaps("http-uploader-2", Guid.NewGuid(), []);
        Assert.Equal(HttpStatusCode.Forbidden, (await gate.PostAsJsonAsync("/terminals/http-uploader-2/offline-taps", empty, Api.Json)).StatusCode);

        var card = await _admin.CardWithBalance(5_00);
        var tap = await host.Terminals.Tap("http-uploader-1", 1, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant());
        var own = new UploadOfflineTaps("http-uploader-1", Guid.NewGuid(),
            [new OfflineTap(tap.Sequence, tap.CardUid, tap.VenueId, tap.TerminalTime, tap.CardCounter, tap.Cryptogram, tap.Mac)]);
        var accepted = await gate.PostAsJsonAsync("/terminals/http-uploader-1/offline-taps", own, Api.Json);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(1, (await accepted.Content.ReadFromJsonAsync<OfflineTapsAccepted>(Api.Json))!.Recorded);
    }
}
