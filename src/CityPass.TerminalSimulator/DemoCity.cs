using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CityPass.TerminalSimulator;

/// <summary>
/// Brings the demo city to life: every terminal of the scheme taps demo cards online, now and then loses its link,
/// keeps tapping offline and uploads its taps when the link is back, sends heartbeats and follows the deny list. It
/// reconnects by itself after a broker restart (taps in between are kept offline and uploaded). It never re-keys a
/// terminal running elsewhere (heard from lately): it runs those whose key it holds (--keys), and enrols those never
/// enrolled or silent, unless told to take one over. A live line shows what happens. Usage: see <see cref="Usage"/>.
/// </summary>
public static class DemoCity
{
    public const string Usage = """
        citypass-terminal demo [options]
          Runs the scheme's terminals against a CityPass (./run.sh's by default).
          --api URL            CityPass's HTTP API (default http://127.0.0.1:5080)
          --broker URI         RabbitMQ, amqp[s]://user:password@host:port/vhost (default amqp://guest:guest@127.0.0.1:5672/);
                               a terminal given its own broker login at enrolment uses it instead of this one's
          --terminals N        at most N terminals (default 8)
          --seconds N          run for N seconds (default 60; Ctrl+C stops earlier)
          --cards UID,UID      the demo cards to tap (default ./run.sh's)
          --keys FILE          where the keys of terminals this demo enrolled are kept (default .citypass-terminal-keys.json);
                               a terminal running elsewhere (a heartbeat within 5 minutes) is not re-keyed, which would
                               lock it out
          --take-over ID,ID    re-key these terminals even so, and run them here
        """;

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
        var keys = new KeyFile(Option("keys", ".citypass-terminal-keys.json"));
        var takeOver = Option("take-over", "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

        using var api = new CityPassApi(apiUri);
        var scheme = await api.SchemeAsync();
        var running = new List<(string Id, string Venue, TerminalEnrolment Enrolment)>();
        var elsewhere = await api.RunningTerminalsAsync();
        foreach (var t in scheme.GetProperty("terminals").EnumerateObject())
        {
            if (running.Count >= int.Parse(Option("terminals", "8"), CultureInfo.InvariantCulture))
                break;
            var venue = t.Value.GetProperty("venueId").GetString()!;
            var keyVersion = t.Value.TryGetProperty("keyVersion", out var v) ? v.GetInt32() : 0;
            var held = keys.Get(t.Name);
            if (t.Value.TryGetProperty("decommissioned", out var d) && d.GetBoolean() && !takeOver.Contains(t.Name))
                Console.WriteLine($"{t.Name}: decommissioned, not run.");
            else if (held is not null && held.KeyVersion == keyVersion)
                running.Add((t.Name, venue, held));
            else if (keyVersion == 0 || !elsewhere.Contains(t.Name) || takeOver.Contains(t.Name))
                running.Add((t.Name, venue, keys.Put(await api.EnrolAsync(t.Name))));
            else
                Console.WriteLine($"{t.Name}: running elsewhere (key version {keyVersion}, heard from lately); not re-keyed, which would lock it out. --take-over {t.Name} to run it here.");
        }
        if (running.Count == 0)
        {
            Console.Error.WriteLine("No terminal to run: every terminal of the scheme runs elsewhere (see above).");
            return 2;
        }
        var cards = new List<CardChip>();
        foreach (var uid in uids)
            cards.Add(await api.PersonaliseAsync(uid));

        var stats = new Stats();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        var runs = running.Select(t => RunTerminalAsync(t.Id, t.Venue, t.Enrolment, broker, apiUri, cards, stats, stop.Token)).ToList();
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            Console.Write($"\r{clock.Elapsed:mm\\:ss}  terminals {stats.Linked}/{running.Count} linked  online taps {stats.Authorized} ok / {stats.Declined} declined  " +
                          $"offline {stats.OfflinePending} pending / {stats.OfflineRecorded} uploaded  deny list v{stats.DenyListVersion}  reconnects {stats.Reconnects}   ");
            try { await Task.Delay(500, stop.Token); } catch (OperationCanceledException) { }
        }
        await Task.WhenAll(runs);
        Console.WriteLine($"\nDone: {stats.Authorized} authorized, {stats.Declined} declined, {stats.OfflineRecorded} offline taps uploaded, " +
                          $"{stats.Refused} answers or deny-list changes refused (not signed by CityPass).");
        return 0;
    }

    private static async Task RunTerminalAsync(
        string id, string venue, TerminalEnrolment enrolment, Uri broker, Uri apiUri, List<CardChip> cards, Stats stats, CancellationToken stop)
    {
        var key = enrolment.Key;
        using var http = new HttpClient(new TerminalHttpSigner(id, key)) { BaseAddress = apiUri };
        using var denyList = new DenyListFollower(http, enrolment.DenyListPublicKey);
        RawTerminal? terminal = null;
        var nextAttempt = DateTimeOffset.MinValue;
        var everLinked = false;

        // The link: connected, subscribed to the deny list, then re-synced (a push missed while away shows as a gap anyway).
        async Task<RawTerminal?> LinkAsync()
        {
            if (terminal is { IsOpen: true })
                return terminal;
            if (terminal is not null)
            {
                Interlocked.Decrement(ref stats.Linked);
                await Drop(terminal);
                terminal = null;
            }
            if (TerminalClock.Now < nextAttempt)
                return null;
            nextAttempt = TerminalClock.Now.AddSeconds(2);
            RawTerminal? link = null;
            try
            {
                link = await RawTerminal.ConnectAsync(enrolment.Broker(broker), id, stop);
                await link.SubscribeDenyListAsync("citypass-deny-list", async change =>
                {
                    await denyList.OnPushAsync(change);
                    stats.SeeDenyList(denyList.Version);
                }, stop);
                await denyList.ResyncAsync(stop);
                stats.SeeDenyList(denyList.Version);
                if (everLinked)
                    Interlocked.Increment(ref stats.Reconnects);
                everLinked = true;
                Interlocked.Increment(ref stats.Linked);
                return terminal = link;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (link is not null)
                    await Drop(link);
                return null; // broker or API away: offline until the next attempt
            }
        }

        var random = new Random(id.GetHashCode());
        var sequence = TerminalClock.Now.ToUnixTimeMilliseconds() * 10;
        var offline = new List<JsonObject>();
        var lastBeat = DateTimeOffset.MinValue;
        while (!stop.IsCancellationRequested)
        {
            var card = cards[random.Next(cards.Count)];
            var now = TerminalClock.Now;
            var link = now.Minute % 3 == 1 && offline.Count < 50 ? null : await LinkAsync(); // one minute in three, the link is down
            var seq = ++sequence;
            if (link is null && denyList.IsDenied(card.Uid))
                Interlocked.Increment(ref stats.Declined); // the offline gate stays shut for a denied card
            else if (link is null)
                KeepOffline(card, seq);
            else
            {
                try
                {
                    if (offline.Count > 0)
                        await UploadAsync(link, id, key, offline, stats);
                    var reply = await link.TapAsync("citypass-taps", key, id, seq, card.Uid, card, venue, now, TimeSpan.FromSeconds(5), CancellationToken.None);
                    Interlocked.Increment(ref RawTerminal.IsAuthorized(reply) ? ref stats.Authorized : ref stats.Declined);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // No answer (a broker restart, a timeout): the gate decides offline, and the tap is uploaded under its sequence.
                    KeepOffline(card, seq);
                }
                Interlocked.Exchange(ref stats.Refused, Math.Max(Interlocked.Read(ref stats.Refused), link.RefusedAnswers + denyList.Refused));
            }
            if (link is not null && now - lastBeat > TimeSpan.FromSeconds(10))
            {
                lastBeat = now;
                try
                {
                    await link.SendAsync("citypass-heartbeats", "TerminalHeartbeat", new JsonObject
                    {
                        ["terminalId"] = id, ["softwareVersion"] = "1.4.0", ["denyListVersion"] = denyList.Version, ["pendingOfflineTaps"] = offline.Count,
                        ["terminalTime"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                        ["mac"] = TerminalCrypto.SignHeartbeat(key, id, "1.4.0", denyList.Version, offline.Count, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds())),
                    }, CancellationToken.None);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // the link dropped: the next tap reconnects
                }
            }
            try { await Task.Delay(random.Next(2000, 6000), stop); } catch (OperationCanceledException) { }
        }
        if (offline.Count > 0 && terminal is { IsOpen: true })
        {
            try
            {
                await UploadAsync(terminal, id, key, offline, stats);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Console.Error.WriteLine($"\n{id}: {offline.Count} offline taps not uploaded ({e.Message}); they would be kept for the next link.");
            }
        }
        if (terminal is not null)
            await Drop(terminal);

        void KeepOffline(CardChip card, long seq)
        {
            var (counter, cryptogram) = card.Authenticate(id, seq);
            offline.Add(RawTerminal.TapMessage(key, id, seq, card.Uid, venue, TerminalClock.Now, counter, cryptogram));
            Interlocked.Increment(ref stats.OfflinePending);
        }
    }

    private static async Task Drop(RawTerminal terminal)
    {
        try
        {
            await terminal.DisposeAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // already broken
        }
    }

    private static async Task UploadAsync(RawTerminal terminal, string id, byte[] key, List<JsonObject> offline, Stats stats)
    {
        var taps = new JsonArray(offline.Select(t =>
        {
            var tap = (JsonObject)t.DeepClone();
            tap.Remove("terminalId");
            return (JsonNode)tap;
        }).ToArray());
        var reply = await terminal.RequestAsync("citypass-offline-taps", "UploadOfflineTaps",
            new JsonObject { ["terminalId"] = id, ["batchId"] = Guid.NewGuid().ToString(), ["taps"] = taps }, key, TimeSpan.FromSeconds(30));
        var recorded = reply["message"]!["recorded"]!.GetValue<int>() + reply["message"]!["duplicates"]!.GetValue<int>();
        Interlocked.Add(ref stats.OfflineRecorded, recorded);
        Interlocked.Add(ref stats.OfflinePending, -offline.Count);
        offline.Clear();
    }

    private sealed class Stats
    {
        public long Authorized, Declined, OfflinePending, OfflineRecorded, Reconnects, Linked, Refused;
        private long _denyList;

        public long DenyListVersion => Interlocked.Read(ref _denyList);

        public void SeeDenyList(long version)
        {
            long seen;
            while ((seen = Interlocked.Read(ref _denyList)) < version && Interlocked.CompareExchange(ref _denyList, version, seen) != seen) { }
        }
    }
}

/// <summary>The keys of the terminals this simulator enrolled, kept between runs so that it never needs to re-key them.</summary>
public sealed class KeyFile(string path)
{
    private readonly Dictionary<string, TerminalEnrolment> _held = Load(path);

    public TerminalEnrolment? Get(string terminalId) => _held.GetValueOrDefault(terminalId);

    public TerminalEnrolment Put(TerminalEnrolment enrolment)
    {
        _held[enrolment.TerminalId] = enrolment;
        File.WriteAllText(path, JsonSerializer.Serialize(_held));
        return enrolment;
    }

    private static Dictionary<string, TerminalEnrolment> Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, TerminalEnrolment>>(File.ReadAllText(path)) ?? [] : [];
}
