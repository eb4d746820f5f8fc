using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CityPass.TerminalSimulator;

/// <summary>
/// A terminal's copy of the deny list, kept as docs/terminal-protocol.md asks: a push at or below the version held is a
/// duplicate and ignored (the relay pushes at least once); a push that starts past the next version (one was missed while
/// the link was down) is not applied but re-synced over HTTP (<c>GET /deny-list?since=</c>), as is the list at start.
/// The offline gate refuses every card it holds. Nothing is applied that is not signed with the scheme's deny-list key
/// (<paramref name="publicKey"/>, given at enrolment); <paramref name="api"/> signs the terminal's calls
/// (<see cref="TerminalHttpSigner"/>).
/// </summary>
public sealed class DenyListFollower(HttpClient api, string publicKey) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _denied = new(StringComparer.Ordinal);

    public void Dispose() => _gate.Dispose();

    /// <summary>The version of the deny list held (what heartbeats report).</summary>
    public long Version { get; private set; }

    /// <summary>How many times the list was fetched over HTTP (at start and after each gap).</summary>
    public int Resyncs { get; private set; }

    /// <summary>Pushes and pages whose signature did not verify: not applied.</summary>
    public int Refused { get; private set; }

    public bool IsDenied(string canonicalUid)
    {
        lock (_denied)
            return _denied.Contains(canonicalUid);
    }

    public async Task ResyncAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await ResyncHeldAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A <c>DenyListChanged</c> pushed on the fanout exchange (the envelope's <c>message</c>).</summary>
    public async Task OnPushAsync(JsonObject change, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (!TerminalCrypto.VerifyDenyList(publicKey, change))
            {
                Refused++;
                return;
            }
            var version = change["version"]!.GetValue<long>();
            if (version <= Version)
                return;
            var entries = change["changes"]!.AsArray().Select(e => e!.AsObject()).OrderBy(e => e["version"]!.GetValue<long>()).ToList();
            if (entries.Count == 0 || entries[0]["version"]!.GetValue<long>() > Version + 1)
            {
                await ResyncHeldAsync(ct);
                return;
            }
            foreach (var entry in entries.Where(e => e["version"]!.GetValue<long>() > Version))
                Apply(entry["cardUid"]!.GetValue<string>(), entry["denied"]!.GetValue<bool>());
            Version = version;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Page after page until the last; a page that does not verify stops the re-sync (the next push or start tries again).</summary>
    private async Task ResyncHeldAsync(CancellationToken ct)
    {
        var more = true;
        while (more)
        {
            var since = Version;
            var sync = await api.GetFromJsonAsync<JsonObject>($"/deny-list?since={since.ToString(CultureInfo.InvariantCulture)}", ct)
                ?? throw new InvalidOperationException("GET /deny-list answered nothing.");
            if (!TerminalCrypto.VerifyDenyList(publicKey, sync, since))
            {
                Refused++;
                throw new InvalidOperationException("GET /deny-list answered a list that is not signed with the scheme's deny-list key: not applied.");
            }
            if (sync["kind"]!.GetValue<string>() == "snapshot")
                lock (_denied)
                    _denied.Clear();
            foreach (var entry in sync["entries"]!.AsArray().Select(e => e!.AsObject()))
                Apply(entry["cardUid"]!.GetValue<string>(), entry["denied"]!.GetValue<bool>());
            Version = sync["version"]!.GetValue<long>();
            more = sync["more"]?.GetValue<bool>() == true;
        }
        Resyncs++;
    }

    private void Apply(string uid, bool denied)
    {
        lock (_denied)
        {
            if (denied)
                _denied.Add(uid);
            else
                _denied.Remove(uid);
        }
    }
}
