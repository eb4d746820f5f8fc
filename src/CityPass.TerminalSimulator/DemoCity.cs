using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CityPass.TerminalSimulator;

/// <summary>
/// Brings the demo city to life: every terminal of the scheme taps demo cards online, now and then loses its link,
/// keeps tapping offline and uploads its taps when the link is back, sends heartbeats and follows the deny list.
/// A live line shows what happens. Usage: citypass-terminal demo [--terminals 8] [--seconds 60] [--cards UID,UID]
/// </summary>
public static class DemoCity
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Option(string name, string fallback)
        {
            var at = Array.IndexOf(args, $"--{name}");
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
        }
        var apiUri = new Uri(Option("api", "http://127.0.0.1:5080"));
        var broker = new Uri(Option("broker", "amqp://guest:guest@127.0.0.1:5672/"));
        var seconds = int.Parse(Option("seconds", "60"), CultureInfo.InvariantCulture);
        var uids = Option("cards", "04A22B1C5D6E80,04B33C2D6E7F91,04C44D3E7F80A2,DEADBEEF").Split(',');

        using var api = new CityPassApi(apiUri);
        var scheme = await api.SchemeAsync();
        var terminals = scheme.GetProperty("terminals").EnumerateObject()
            .Select(t => (Id: t.Name, Venue: t.Value.GetProperty("venueId").GetString()!))
            .Take(int.Parse(Option("terminals", "8"), CultureInfo.InvariantCulture)).ToList();
        var cards = new List<CardChip>();
        foreach (var uid in uids)
            cards.Add(await api.PersonaliseAsync(uid));

        var stats = new Stats();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        var runs = new List<Task>();
        using var terminalsHttp = new HttpClient { BaseAddress = apiUri }; // what terminals fetch needs no sign-in: not the admin's client
        foreach (var (id, venue) in terminals)
            runs.Add(RunTerminalAsync(id, venue, await api.EnrolAsync(id), broker, new DenyListFollower(terminalsHttp), cards, stats, stop.Token));
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            Console.Write($"\r{clock.Elapsed:mm\\:ss}  terminals {terminals.Count}  online taps {stats.Authorized} ok / {stats.Declined} declined  " +
                          $"offline {stats.OfflinePending} pending / {stats.OfflineRecorded} uploaded  deny list v{stats.DenyListVersion}   ");
            try { await Task.Delay(500, stop.Token); } catch (OperationCanceledException) { }
        }
        await Task.WhenAll(runs);
        Console.WriteLine($"\nDone: {stats.Authorized} authorized, {stats.Declined} declined, {stats.OfflineRecorded} offline taps uploaded.");
        return 0;
    }

    private static async Task RunTerminalAsync(
        string id, string venue, byte[] key, Uri broker, DenyListFollower denyList, List<CardChip> cards, Stats stats, CancellationToken stop)
    {
        await using var terminal = await RawTerminal.ConnectAsync(broker, id, CancellationToken.None);
        await terminal.SubscribeDenyListAsync("citypass-deny-list", async change =>
        {
            await denyList.OnPushAsync(change);
            stats.SeeDenyList(denyList.Version);
        }, CancellationToken.None);
        await denyList.ResyncAsync(stop); // subscribed first, so that no change falls between the list and the pushes
        stats.SeeDenyList(denyList.Version);
        var random = new Random(id.GetHashCode());
        var sequence = TerminalClock.Now.ToUnixTimeMilliseconds() * 10;
        var offline = new List<JsonObject>();
        var lastBeat = DateTimeOffset.MinValue;
        while (!stop.IsCancellationRequested)
        {
            var card = cards[random.Next(cards.Count)];
            var now = TerminalClock.Now;
            var linkDown = now.Minute % 3 == 1 && offline.Count < 50; // one minute in three, the link is down
            var seq = ++sequence;
            if (linkDown && denyList.IsDenied(card.Uid))
                Interlocked.Increment(ref stats.Declined); // the offline gate stays shut for a denied card
            else if (linkDown)
            {
                var (counter, cryptogram) = card.Authenticate(id, seq);
                offline.Add(RawTerminal.TapMessage(key, id, seq, card.Uid, venue, now, counter, cryptogram));
                Interlocked.Increment(ref stats.OfflinePending);
            }
            else
            {
                if (offline.Count > 0)
                    await UploadAsync(terminal, id, offline, stats);
                try
                {
                    var reply = await terminal.TapAsync("citypass-taps", key, id, seq, card.Uid, card, venue, now, TimeSpan.FromSeconds(5), CancellationToken.None);
                    Interlocked.Increment(ref RawTerminal.IsAuthorized(reply) ? ref stats.Authorized : ref stats.Declined);
                }
                catch (TimeoutException)
                {
                    Interlocked.Increment(ref stats.Declined);
                }
            }
            if (now - lastBeat > TimeSpan.FromSeconds(10))
            {
                lastBeat = now;
                await terminal.SendAsync("citypass-heartbeats", "TerminalHeartbeat", new JsonObject
                {
                    ["terminalId"] = id, ["softwareVersion"] = "1.4.0", ["denyListVersion"] = denyList.Version, ["pendingOfflineTaps"] = offline.Count,
                    ["terminalTime"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                    ["mac"] = TerminalCrypto.SignHeartbeat(key, id, "1.4.0", denyList.Version, offline.Count, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds())),
                }, CancellationToken.None);
            }
            try { await Task.Delay(random.Next(2000, 6000), stop); } catch (OperationCanceledException) { }
        }
        if (offline.Count > 0)
            await UploadAsync(terminal, id, offline, stats);
    }

    private static async Task UploadAsync(RawTerminal terminal, string id, List<JsonObject> offline, Stats stats)
    {
        var taps = new JsonArray(offline.Select(t =>
        {
            var tap = (JsonObject)t.DeepClone();
            tap.Remove("terminalId");
            return (JsonNode)tap;
        }).ToArray());
        var reply = await terminal.RequestAsync("citypass-offline-taps", "UploadOfflineTaps",
            new JsonObject { ["terminalId"] = id, ["batchId"] = Guid.NewGuid().ToString(), ["taps"] = taps }, TimeSpan.FromSeconds(30));
        var recorded = reply["message"]!["recorded"]!.GetValue<int>() + reply["message"]!["duplicates"]!.GetValue<int>();
        Interlocked.Add(ref stats.OfflineRecorded, recorded);
        Interlocked.Add(ref stats.OfflinePending, -offline.Count);
        offline.Clear();
    }

    private sealed class Stats
    {
        public long Authorized, Declined, OfflinePending, OfflineRecorded;
        private long _denyList;

        public long DenyListVersion => Interlocked.Read(ref _denyList);

        public void SeeDenyList(long version)
        {
            long seen;
            while ((seen = Interlocked.Read(ref _denyList)) < version && Interlocked.CompareExchange(ref _denyList, version, seen) != seen) { }
        }
    }
}
