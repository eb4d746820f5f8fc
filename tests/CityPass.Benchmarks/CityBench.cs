using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Cards;
using CityPass.IntegrationTests;
using CityPass.IntegrationTests.Finance;
using Marten;
using Marten.Events;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;

namespace CityPass.Benchmarks;

/// <summary>
/// The sizes of <c>./bench.sh --city</c>: <c>--cards</c>, <c>--taps</c> (history), <c>--days</c> (service days the history
/// spreads over), <c>--busy-day</c> (the taps of the day closed and settled on both databases), <c>--ledger-seconds</c>
/// (the sustained-taps phase the finance ledger must keep up with), <c>--rebuild</c> (ignore the cached city).
/// </summary>
public sealed record CityOptions(int Cards, int Taps, int Days, int BusyDayTaps, int LedgerSeconds, bool Quick, bool Rebuild, bool InPlace = false, string? InPlaceSchema = null, int? StripeRows = null)
{
    /// <summary>Changed when the city's content or the schema it is built with changes: older dumps are not reused.</summary>
    private const int Format = 2;

    public static CityOptions Parse(string[] args, bool quick)
    {
        int Option(string name, int value) =>
            args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } text ? int.Parse(text.Replace("_", ""), CultureInfo.InvariantCulture) : value;
        return new CityOptions(
            Option("--cards", quick ? 20_000 : 600_000),
            Option("--taps", quick ? 100_000 : 5_000_000),
            Option("--days", quick ? 10 : 60),
            Option("--busy-day", quick ? 10_000 : 200_000),
            Option("--ledger-seconds", quick ? 10 : 600),
            quick,
            args.Contains("--rebuild"),
            args.Contains("--in-place"),
            args.SkipWhile(a => a != "--in-place-schema").Skip(1).FirstOrDefault(),
            args.SkipWhile(a => a != "--stripe-rows").Skip(1).FirstOrDefault() is { } rows ? int.Parse(rows.Replace("_", ""), CultureInfo.InvariantCulture) : null);
    }

    public string Key => $"c{Cards}-t{Taps}-d{Days}-f{Format}";
}

/// <summary>What a cached city is: its schema's run id and the service days its history covers.</summary>
public sealed record CityManifest(string Run, int Cards, int Taps, int Days, string FirstDay, string LastDay, double BuildSeconds, double BuildOfflineTapsPerS, int HttpWrites);

/// <summary>The bench host on the city's schema; restored from a dump, the test city is already defined in it.</summary>
public sealed class CityHost(string run, bool restored) : BenchHost(run)
{
    protected override Task DefineCityAsync(HttpClient http) => restored ? Task.CompletedTask : base.DefineCityAsync(http);
}

/// <summary>
/// <c>./bench.sh --city</c>: a city's history in the event store (built once through the write paths, then cached with
/// scripts/backup.sh and restored with scripts/restore.sh), measured against a small database in the same run.
/// </summary>
public sealed class CityBench
{
    private static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];
    private static readonly string[] Venues = [TestCity.Pool, TestCity.Library, TestCity.Parking, TestCity.Museum];

    /// <summary>Card counters and terminal sequences above any a previous run (whose city may be restored) used.</summary>
    private static long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000;

    private static long _sequence = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000;

    /// <summary>
    /// An uploading terminal numbers its own taps one after the other, as a validator does: numbers drawn from one counter
    /// shared by every terminal left each terminal a gap between any two of its taps, which pinned its gap mark at its first
    /// tap and made every upload of the build read the terminal's whole history (docs/performance.md, "City scale").
    /// Each run starts above the last (a city measured again in place keeps its terminals' records).
    /// </summary>
    private static readonly ConcurrentDictionary<string, long> UploadSequences = new();

    private static long NextSequence(string terminal) => UploadSequences.AddOrUpdate(terminal, _ => _sequence + 1, (_, last) => last + 1);

    private readonly CityOptions _o;
    private readonly Dictionary<string, object> _r = new();
    private IBusControl _client = null!;

    public CityBench(CityOptions options) => _o = options;

    /// <summary>The figures measured so far.</summary>
    public Dictionary<string, object> Results => _r;

    /// <summary>Where the figures are written, after each step too (a run stopped midway keeps what it measured).</summary>
    public string? Output { get; init; }

    private async Task SaveAsync()
    {
        if (Output is null)
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(Output))!);
        await File.WriteAllTextAsync(Output, JsonSerializer.Serialize(_r, CityRun.Indented));
    }

    private static void Step(string what) => Console.WriteLine($"[city {DateTime.UtcNow:HH:mm:ss}] {what}");

    public async Task<Dictionary<string, object>> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        _client = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(CityPassHost.RabbitMqUri));
            cfg.ConfigureJsonSerializerOptions(CityPass.Host.Infrastructure.Json.Configure);
        });
        await _client.StartAsync();
        try
        {
            var (city, manifest) = await CityAsync();
            // A city measured in place is kept, whatever happens (disposing the host drops its schema): the first
            // in-place run that failed lost a city of 1.7 million taps that way.
            await using (_o.InPlace || _o.InPlaceSchema is not null ? null : city)
            {
                _r["city_cards"] = manifest.Cards;
                _r["city_taps"] = manifest.Taps;
                _r["city_days"] = manifest.Days;
                _r["city_http_writes"] = manifest.HttpWrites;
                _r["city_build_s"] = manifest.BuildSeconds;
                _r["city_build_offline_taps_per_s"] = manifest.BuildOfflineTapsPerS;

                // A city just built or restored is swept by autovacuum (hint bits, visibility maps) for many minutes: on
                // the default city, three workers were still on its statement lines, ledger entries and tap records
                // during the measurements, the city's alone. Vacuumed first, as an operator would before opening it.
                Step("VACUUM (ANALYZE) of the city's tables");
                var vacuum = Stopwatch.StartNew();
                await Bench.Analyze(city.Schema, vacuum: true);
                _r["city_vacuum_s"] = Round(vacuum.Elapsed.TotalSeconds);

                Step("baseline: one-row INSERT commits (Npgsql, 8 connections)");
                var commits = Math.Round(await Bench.NpgsqlInsertRate(city.Schema, 8, TimeSpan.FromSeconds(_o.Quick ? 3 : 8)));
                _r["npgsql_insert_tx_per_s"] = commits;

                await BytesAsync(city, manifest.Taps);

                await SaveAsync();
                var cityCards = await ActiveCardsAsync(city);
                var cityMeasured = await MeasureAsync(city, "city", Sample(cityCards, 2_000), Sample(cityCards, BusyDayCards));

                await using (var small = new BenchHost())
                {
                    Step("small database: a fresh schema");
                    await small.InitializeAsync();
                    var smallCards = await CardsWithBalance(small, 2_000, 100_00);
                    var smallMeasured = await MeasureAsync(small, "small", smallCards, await CardsWithBalance(small, BusyDayCards, 100_00));
                    await ReadsInterleavedAsync(cityMeasured, smallMeasured);
                    var (cityFigures, smallFigures) = (cityMeasured.Figures, smallMeasured.Figures);
                    foreach (var (name, (smallValue, cityValue)) in smallFigures.Keys.ToDictionary(k => k, k => (smallFigures[k], cityFigures[k])))
                    {
                        _r[$"small_{name}"] = Round(smallValue);
                        _r[$"city_{name}"] = Round(cityValue);
                    }
                    _r["city_tap_p99_ratio_c8"] = Ratio(cityFigures["tap_p99_ms_c8"], smallFigures["tap_p99_ms_c8"]);
                    _r["city_tap_p99_ratio_c64"] = Ratio(cityFigures["tap_p99_ms_c64"], smallFigures["tap_p99_ms_c64"]);
                    _r["city_tap_p50_ratio_c64"] = Ratio(cityFigures["tap_p50_ms_c64"], smallFigures["tap_p50_ms_c64"]);
                    _r["city_history_p99_ratio"] = Ratio(cityFigures["history_p99_ms"], smallFigures["history_p99_ms"]);
                    _r["city_daily_close_ratio"] = Ratio(cityFigures["daily_close_ms"], smallFigures["daily_close_ms"]);
                    _r["city_settlement_ratio"] = Ratio(cityFigures["settlement_ms"], smallFigures["settlement_ms"]);
                    _r["city_stripe_report_ratio"] = Ratio(cityFigures["stripe_report_ms"], smallFigures["stripe_report_ms"]);
                    _r["stripe_report_rows"] = StripeReportRows;
                    _r["offline_to_commit_ratio"] = Ratio(cityFigures["offline_taps_per_s"], commits);
                    _r["small_offline_to_commit_ratio"] = Ratio(smallFigures["offline_taps_per_s"], commits);
                }

                await SaveAsync();
                await LedgerPhaseAsync(city, cityCards);
                await SaveAsync();
                await RebuildCardsAsync(city);
                if (!_r.ContainsKey("city_backup_s"))
                {
                    // A city built in this run was backed up for the next runs: that dump was the measure.
                    Step("backup of the city (scripts/backup.sh)");
                    var dump = Path.Combine(Path.GetTempPath(), $"citypass-bench-{city.Schema}.dump");
                    var watch = Stopwatch.StartNew();
                    await Script("backup.sh", "--schema", city.Schema, "--database", Database, "-o", dump);
                    _r["city_backup_s"] = Round(watch.Elapsed.TotalSeconds);
                    _r["city_backup_mb"] = Round(new FileInfo(dump).Length / 1e6);
                    File.Delete(dump);
                    await SaveAsync();
                }
                await CompactTapRecordsAsync(city);
            }
        }
        finally
        {
            await _client.StopAsync();
        }
        _r["seconds"] = Round(clock.Elapsed.TotalSeconds);
        return _r;
    }

    private static double Round(double value) => Math.Round(value, value < 10 ? 2 : 1);

    private static double Ratio(double a, double b) => b == 0 ? 0 : Math.Round(a / b, 2);

    private static string Database => new NpgsqlConnectionStringBuilder(CityPassHost.PostgresConnection).Database!;

    private string CachePath(string extension) => Path.Combine(Processes.Root, "artifacts", "bench", "city", $"city-{_o.Key}.{extension}");

    /// <summary>The city: restored from its dump when one of these sizes exists, else built and dumped.</summary>
    private async Task<(CityHost, CityManifest)> CityAsync()
    {
        if (_o.InPlaceSchema is { } schema)
        {
            // --in-place-schema test_cityXXXX: a city whose build was stopped before its dump (no manifest), described
            // from what its schema holds.
            if (!schema.StartsWith("test_", StringComparison.Ordinal) || !await SchemaExists(schema))
                throw new InvalidOperationException($"No schema {schema} to measure in place.");
            var described = await DescribeAsync(schema);
            Step($"the city in {schema} measured in place: {described.Cards:N0} cards, {described.Taps:N0} taps over {described.Days} closed days");
            var live = new CityHost(schema["test_".Length..], restored: true);
            await live.InitializeAsync();
            live.Clock.Reset(Evening(LocalDate.FromDateTime(DateTime.Parse(described.LastDay, CultureInfo.InvariantCulture)).PlusDays(1), 12));
            return (live, described);
        }
        if (!_o.Rebuild && File.Exists(CachePath("dump")) && File.Exists(CachePath("json")))
        {
            var manifest = JsonSerializer.Deserialize<CityManifest>(await File.ReadAllTextAsync(CachePath("json")))!;
            if (_o.InPlace && await SchemaExists($"test_{manifest.Run}"))
            {
                // --in-place: the schema the city was built in is still in the database (the build's run was stopped
                // after its dump): measured as it stands, without the restore (no city_restore_s in this run).
                Step($"the city {_o.Key} measured in place (schema test_{manifest.Run}, not restored)");
                var live = new CityHost(manifest.Run, restored: true);
                await live.InitializeAsync();
                // The day after the last day closed in the schema, not the build's: a city measured in place before holds
                // that run's busy day closed (measured again, its close only read the statement back: 25 ms, 2026-12-01).
                live.Clock.Reset(Evening(LocalDate.FromDateTime(DateTime.Parse(await LastClosedDayAsync($"test_{manifest.Run}"), CultureInfo.InvariantCulture)).PlusDays(1), 12));
                return (live, manifest);
            }
            Step($"restoring the city {_o.Key} (scripts/restore.sh)");
            var watch = Stopwatch.StartNew();
            await Script("restore.sh", CachePath("dump"), "--database", Database, "--replace");
            _r["city_restore_s"] = Round(watch.Elapsed.TotalSeconds);
            var host = new CityHost(manifest.Run, restored: true);
            await host.InitializeAsync();
            host.Clock.Reset(Evening(LocalDate.FromDateTime(DateTime.Parse(manifest.LastDay, CultureInfo.InvariantCulture)).PlusDays(1), 12));
            return (host, manifest);
        }
        var run = "city" + Guid.NewGuid().ToString("N")[..8];
        var built = new CityHost(run, restored: false);
        await built.InitializeAsync();
        var made = await BuildAsync(built, run);
        Step("dumping the city for the next runs (scripts/backup.sh)");
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath("dump"))!);
        foreach (var old in Directory.GetFiles(Path.GetDirectoryName(CachePath("dump"))!, $"city-{_o.Key}.*"))
            File.Delete(old);
        var backup = Stopwatch.StartNew();
        await Script("backup.sh", "--schema", built.Schema, "--database", Database, "-o", CachePath("dump"));
        _r["city_backup_s"] = Round(backup.Elapsed.TotalSeconds);
        _r["city_backup_mb"] = Round(new FileInfo(CachePath("dump")).Length / 1e6);
        await File.WriteAllTextAsync(CachePath("json"), JsonSerializer.Serialize(made, CityRun.Indented));
        return (built, made);
    }

    private static async Task<CityManifest> DescribeAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            // The taps: their records, or once those are compacted past the replay window, the events an honoured tap writes.
            $"select (select count(*) from {schema}.mt_doc_card), greatest((select count(*) from {schema}.mt_doc_taprecord), " +
            $"(select count(*) from {schema}.mt_events where type = any(@tapEvents))), " +
            $"(select count(*) from {schema}.mt_doc_closeddaystatement), (select min(id) from {schema}.mt_doc_closeddaystatement), " +
            $"(select max(id) from {schema}.mt_doc_closeddaystatement)", connection);
        command.Parameters.AddWithValue("tapEvents", new[] { typeof(FareCharged), typeof(EntryRedeemed), typeof(FareOwed) }
            .Select(JasperFx.Events.EventTypeExtensions.GetEventTypeName).ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new CityManifest(schema["test_".Length..], (int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2),
            reader.GetString(3), reader.GetString(4), -1, -1, -1);
    }

    /// <summary>The last day closed in the schema (yyyy-MM-dd): one index read, where <see cref="DescribeAsync"/> counts the city.</summary>
    private static async Task<string> LastClosedDayAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select max(id) from {schema}.mt_doc_closeddaystatement", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<bool> SchemaExists(string schema)
    {
        await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from pg_namespace where nspname = @schema", connection);
        command.Parameters.AddWithValue("schema", schema);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private static Instant Evening(LocalDate day, int hour) => day.At(new LocalTime(hour, 0)).InZoneLeniently(Paris).ToInstant();

    private static async Task Script(string name, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Processes.Root, "scripts", name));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var result = await Processes.Run(start, TimeSpan.FromHours(2));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{Processes.Describe(start)} failed ({result.ExitCode}): {result.All}");
    }

    /// <summary>
    /// Issues the cards (issue and first load in batches through Marten, the same events as the desk's), grants
    /// concessions and sells passes through the desk's HTTP endpoints, then day by day: reloads and lost cards through
    /// HTTP, the day's taps as offline uploads (1,000 a batch, 4 at a time), and the close of the day before.
    /// </summary>
    private async Task<CityManifest> BuildAsync(CityHost host, string run)
    {
        var watch = Stopwatch.StartNew();
        var first = host.Clock.GetCurrentInstant().InZone(Paris).Date.PlusDays(1);
        host.Clock.Reset(Evening(first, 6));
        Step($"building the city: {_o.Cards:N0} cards");
        var cards = await CardsWithBalance(host, _o.Cards, 100_00);
        var admin = host.CreateClient();
        var finance = await host.Finance();
        var random = new Random(18);
        var httpWrites = 0;

        Step("concession profiles and passes at the desk (HTTP)");
        var concessions = Sample(cards, _o.Cards / 20, random);
        await ForEach(concessions, 8, c => Post(admin, $"/cards/{c.Id}/concessions",
            new { profileId = Random.Shared.Next(2) == 0 ? "sortir-85" : "capped", validFrom = first, validTo = first.PlusDays(365), evidence = "bench" }));
        var passes = Sample(cards, _o.Cards / 30, random);
        await ForEach(passes, 8, c => Post(admin, $"/cards/{c.Id}/purchases",
            new { productId = Random.Shared.Next(2) == 0 ? "swim-10" : "library-membership" }, mustSucceed: false));
        httpWrites += concessions.Count + passes.Count;

        var terminals = Venues.SelectMany(v => Enumerable.Range(0, 4).Select(i => (Id: $"city-{v}-{i}", Venue: v))).ToArray();
        foreach (var (id, venue) in terminals)
            await host.Terminals.KeyAsync(id, venue);

        var offline = host.Services.GetRequiredService<IBus>().CreateRequestClient<UploadOfflineTaps>(new Uri($"queue:{host.OfflineTapQueue}"), RequestTimeout.After(s: 300));
        var uploadSeconds = 0.0;
        long recorded = 0;
        for (var d = 0; d < _o.Days; d++)
        {
            var day = first.PlusDays(d);
            host.Clock.Reset(Evening(day, 21));
            // Signed in again every day: a build outlives the access tokens' hour (the first full build died of it, and
            // the desk's writes it does not check failed with it).
            admin = await CityPass.IntegrationTests.Payments.Cardholders.SignedIn(host, CityPassHost.AdministratorEmail, CityPassHost.AdministratorPassword);
            finance = await host.Finance();
            var reloads = Sample(cards, Math.Max(1, _o.Cards / 200), random);
            await ForEach(reloads, 8, c => Post(admin, $"/cards/{c.Id}/loads", new { amountCents = 20_00 }, mustSucceed: false));
            var lost = Sample(cards, Math.Max(1, _o.Cards / 2_000), random);
            await ForEach(lost, 8, c => Post(admin, $"/cards/{c.Id}/block", new { reason = "lost" }, mustSucceed: false));
            httpWrites += reloads.Count + lost.Count;

            var taps = _o.Taps / _o.Days + (d == _o.Days - 1 ? _o.Taps % _o.Days : 0);
            var uploads = await Uploads(host, cards, terminals, day, taps, random);
            var upload = Stopwatch.StartNew();
            recorded += await Upload(offline, uploads);
            uploadSeconds += upload.Elapsed.TotalSeconds;

            host.Clock.Reset(Evening(day.PlusDays(1), 5));
            (await finance.PostAsync($"/finance/days/{day:yyyy-MM-dd}/close", null)).EnsureSuccessStatusCode();
            Step($"day {d + 1}/{_o.Days} {day:yyyy-MM-dd}: {recorded:N0} taps recorded, {recorded / uploadSeconds:N0}/s while uploading");
        }
        if (recorded != _o.Taps)
            throw new InvalidOperationException($"The city recorded {recorded} of {_o.Taps} taps.");
        await host.LedgerCaughtUp();
        await Bench.Analyze(host.Schema);
        var last = first.PlusDays(_o.Days - 1);
        host.Clock.Reset(Evening(last.PlusDays(1), 12));
        return new CityManifest(run, _o.Cards, _o.Taps, _o.Days, first.ToString("yyyy-MM-dd", null), last.ToString("yyyy-MM-dd", null),
            Round(watch.Elapsed.TotalSeconds), Math.Round(recorded / uploadSeconds), httpWrites);
    }

    private static async Task<List<UploadOfflineTaps>> Uploads(CityPassHost host, IReadOnlyList<Card> cards, (string Id, string Venue)[] terminals, LocalDate day, int taps, Random random)
    {
        var opening = Evening(day, 8);
        var uploads = new List<UploadOfflineTaps>();
        // The uploads in flight at once (4) draw on disjoint quarters of the cards, as terminals of different venues
        // mostly see different cardholders: otherwise a small city makes every 100-card transaction of an upload race
        // another upload's and retry (the ingestor decides a part again when one of its cards was written meanwhile).
        var quarters = Enumerable.Range(0, 4).Select(q => cards.Where((_, i) => i % 4 == q).ToList()).ToArray();
        for (var made = 0; made < taps;)
        {
            var quarter = quarters[uploads.Count % 4];
            var (terminal, venue) = terminals[random.Next(terminals.Length)];
            var count = Math.Min(1_000, taps - made);
            var times = Enumerable.Range(0, count).Select(_ => opening + Duration.FromSeconds(random.Next(11 * 3600))).Order().ToList();
            var batch = new List<OfflineTap>(count);
            foreach (var time in times)
            {
                var card = quarter[random.Next(quarter.Count)];
                var signed = await host.Terminals.Tap(terminal, NextSequence(terminal), card.Uid, venue, time, Interlocked.Increment(ref _counter));
                batch.Add(new OfflineTap(signed.Sequence, signed.CardUid, signed.VenueId, signed.TerminalTime, signed.CardCounter, signed.Cryptogram, signed.Mac));
            }
            uploads.Add(new UploadOfflineTaps(terminal, Guid.NewGuid(), batch));
            made += count;
        }
        return uploads;
    }

    private static async Task<long> Upload(IRequestClient<UploadOfflineTaps> client, List<UploadOfflineTaps> uploads)
    {
        long recorded = 0;
        await ForEach(uploads, 4, async upload => Interlocked.Add(ref recorded, (await client.GetResponse<OfflineTapsAccepted>(upload)).Message.Recorded));
        return recorded;
    }

    /// <summary>
    /// The figures compared between the two databases: online taps at 8 and 64 terminals, reading a card and a page of
    /// its history, a busy day's offline uploads, its close and its settlement.
    /// </summary>
    /// <summary>The rows of the Stripe report reconciled on both databases.</summary>
    private int StripeReportRows => _o.StripeRows ?? (_o.Quick ? 10_000 : 100_000);

    /// <summary>The lines of the history page read, on both databases.</summary>
    private const int HistoryPage = 20;

    /// <summary>How long a warm-up may wait for the JIT to settle: 10 s in a quick run.</summary>
    private TimeSpan WarmUpLimit(int seconds) => TimeSpan.FromSeconds(_o.Quick ? 10 : seconds);

    /// <summary>The cards of the busy day: two taps each on average.</summary>
    private int BusyDayCards => Math.Max(2_000, _o.BusyDayTaps / 2);

    /// <summary>
    /// A database measured once it holds what both are compared on: what it leaves to read again, interleaved with the other
    /// database's reads (<see cref="ReadsInterleavedAsync"/>): the cards given a full page of history, the busy day closed.
    /// </summary>
    private sealed record Measured(CityPassHost Host, string Name, Dictionary<string, double> Figures, IReadOnlyList<Card> Read, LocalDate BusyDay);

    private async Task<Measured> MeasureAsync(CityPassHost host, string name, IReadOnlyList<Card> cards, IReadOnlyList<Card> busyCards)
    {
        var f = new Dictionary<string, double>();
        // The default city's build (86 min) outlived the administrator's token of the host's start: its measurements
        // died on a 401 at the history read.
        await host.RenewAdministratorTokenAsync();
        var gates = Enumerable.Range(0, 64).Select(i => $"bench-gate-{i}").ToArray();
        foreach (var gate in gates)
            await host.Terminals.KeyAsync(gate, TestCity.Library);
        var client = _client.CreateRequestClient<AuthorizeTap>(new Uri($"queue:{host.TapQueue}"), RequestTimeout.After(s: 30));
        Task Tap(int worker) => TapCard(worker, cards[Random.Shared.Next(cards.Count)]);
        async Task TapCard(int worker, Card card)
        {
            var signed = await host.Terminals.Tap(gates[worker], Interlocked.Increment(ref _sequence), card.Uid, TestCity.Library, host.Clock.GetCurrentInstant(), Interlocked.Increment(ref _counter));
            await client.GetResponse<TapAuthorized, TapDeclined>(signed);
        }

        // Each measured phase starts with the finance ledger caught up (LedgerSettledAsync).
        Task LedgerSettled(string phase) => LedgerSettledAsync(host, f, phase);

        // Warmed up until the JIT settles: the city is measured first, in a fresh process, and a fixed 300 taps left its
        // tap p50 at twice the small database's measured a minute later (quick city, 2026-12-01; docs/performance.md,
        // "The JIT's first minute").
        Step($"{name}: warm-up taps until the JIT settles, then ANALYZE");
        var tapsPerRound = _o.Quick ? 300 : 1_000;
        (f["tap_warmup_taps"], f["tap_warmup_s"]) = await Bench.UntilJitSettles(tapsPerRound, async () => await Bench.Measure(8, tapsPerRound, Tap), WarmUpLimit(60));
        await Bench.Analyze(host.Schema);
        foreach (var concurrency in new[] { 8, 64 })
        {
            await LedgerSettled($"taps_c{concurrency}");
            Step($"{name}: online taps, {concurrency} terminals");
            var run = await Bench.Measure(concurrency, _o.Quick ? (concurrency == 8 ? 800 : 1_600) : 10_000, Tap);
            f[$"tap_rps_c{concurrency}"] = run.Rps;
            f[$"tap_p50_ms_c{concurrency}"] = run.P(0.5);
            f[$"tap_p99_ms_c{concurrency}"] = run.P(0.99);
        }

        // Equal pages on both databases: the cards read are given a full page of history first (20 taps each), so the
        // figure compares the same 20-line page read from the city's tables and from a small database's, not a city
        // card's longer history with a small card's two lines.
        // Read later, in rounds alternating with the other database's reads (ReadsInterleavedAsync).
        Step($"{name}: the cards whose history is read given a full page");
        var read = cards.Take(_o.Quick ? 100 : 200).ToList();
        var topUp = -1;
        await Bench.Measure(32, read.Count * HistoryPage, worker => TapCard(worker, read[Interlocked.Increment(ref topUp) % read.Count]));

        // The busy day: the day after today, uploaded once it is over; today closed first (not measured) so that both
        // databases close exactly the busy day.
        var today = host.Clock.GetCurrentInstant().InZone(Paris).Date;
        var busy = today.PlusDays(1);
        host.Clock.Reset(Evening(busy.PlusDays(1), 5));
        var finance = await host.Finance();
        // The offline path warmed up until the JIT has settled, as the taps and the history reads are warmed up: the city is
        // measured first, in a process that never ran the ingestor (the build was another process, or a restore), and an
        // upload measured then paid for compiling it (docs/performance.md, "The JIT's first minute"). Today's taps, closed
        // with today below: the busy day's figures hold the busy day only.
        Step($"{name}: warm-up offline uploads of today until the JIT settles (not measured)");
        var warmTerminals = Venues.SelectMany(v => Enumerable.Range(0, 4).Select(i => (Id: $"warm-{v}-{i}", Venue: v))).ToArray();
        foreach (var (id, venue) in warmTerminals)
            await host.Terminals.KeyAsync(id, venue);
        var offline = _client.CreateRequestClient<UploadOfflineTaps>(new Uri($"queue:{host.OfflineTapQueue}"), RequestTimeout.After(s: 300));
        var warmRandom = new Random(24);
        (f["offline_warmup_taps"], f["offline_warmup_s"]) = await Bench.UntilJitSettles(4_000,
            async () => await Upload(offline, await Uploads(host, cards, warmTerminals, today, 4_000, warmRandom)), WarmUpLimit(90));
        // The ledger caught up first, as finance closes a day: otherwise today's entries it posts after this close are
        // the busy day's adjustments, more of them on whichever database was further behind (the busy day's statement
        // then holds other work than the day's: it did on the 600,000-card city).
        await host.LedgerCaughtUp();
        (await finance.PostAsync($"/finance/days/{today:yyyy-MM-dd}/close", null)).EnsureSuccessStatusCode();
        Step($"{name}: a busy day of {_o.BusyDayTaps:N0} taps uploaded offline");
        var terminals = Venues.SelectMany(v => Enumerable.Range(0, 4).Select(i => (Id: $"busy-{v}-{i}", Venue: v))).ToArray();
        foreach (var (id, venue) in terminals)
            await host.Terminals.KeyAsync(id, venue);
        var uploads = await Uploads(host, busyCards, terminals, busy, _o.BusyDayTaps, new Random(25));
        var jit = System.Runtime.JitInfo.GetCompilationTime();
        var watch = Stopwatch.StartNew();
        var recorded = await Upload(offline, uploads);
        f["offline_taps_per_s"] = recorded / watch.Elapsed.TotalSeconds;
        f["offline_jit_ms"] = Math.Round((System.Runtime.JitInfo.GetCompilationTime() - jit).TotalMilliseconds);
        await host.LedgerCaughtUp();
        await Bench.Analyze(host.Schema);

        Step($"{name}: closing the busy day and settling it");
        var statementsBefore = await Statements(host.Schema);
        watch.Restart();
        var closed = await (await finance.PostAsync($"/finance/days/{busy:yyyy-MM-dd}/close", null)).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<CityPass.Host.Finance.Closing.CloseResult>(CityPass.Host.Infrastructure.Json.Options);
        f["daily_close_ms"] = watch.Elapsed.TotalMilliseconds;
        // The same work on both databases: the day's entries, and no adjustment of earlier days.
        f["daily_close_entries"] = closed!.Closed.Sum(d => d.Entries);
        f["daily_close_adjustments"] = closed.Closed.Sum(d => d.Adjustments.Count);
        f["daily_close_sql_ms"] = PrintStatements($"{name}: the close's SQL", statementsBefore, await Statements(host.Schema));

        // No pseudonymisation pass to measure: the statement is read from the events and visits past their identifiable
        // period are pseudonymised as they are read (CardStatement, docs/privacy.md): the history reads (ReadsInterleavedAsync) include it.
        host.Clock.Reset(Evening(busy.PlusDays(3), 13));

        // A day of online reloads paid through Stripe (a card issued and loaded each), then its itemized report imported.
        var reportDay = busy.PlusDays(3);
        // A 1,000-row report the day before, not measured: the city's import was the first of the process (the host's code
        // for it generated and compiled then), the small database's the second (city 1.45x the small one's, 2026-12-02).
        Step($"{name}: a 1,000-row Stripe report of {reportDay.PlusDays(-1):yyyy-MM-dd} first (warm-up, not measured)");
        await StripeReportBench.ReconcileAsync(host, reportDay.PlusDays(-1), 1_000);
        Step($"{name}: reconciling a {StripeReportRows:N0}-row Stripe itemized report of {reportDay:yyyy-MM-dd}");
        f["stripe_report_ms"] = await StripeReportBench.ReconcileAsync(host, reportDay, StripeReportRows);
        host.Clock.Reset(Evening(reportDay.PlusDays(1), 12));
        return new Measured(host, name, f, read, busy);
    }

    /// <summary>
    /// A card and a page of its history, and the busy day's settlement, read on both databases in alternating rounds
    /// (city, small, small, city, city, ...) rather than each database's reads in one block: measured a block after the
    /// other, the city's reads came first, in a process whose code was still being optimized (the JIT) and beside whatever
    /// the machine did then, and their ratio moved from 0.99 to 1.79 run to run on the same city (history) and from 0.67
    /// to 1.51 (settlement; docs/performance.md, "Every target met, on a faster machine").
    /// </summary>
    private async Task ReadsInterleavedAsync(Measured city, Measured small)
    {
        Step("reading a card and a page of its history, and the busy day's settlement: city and small in alternating rounds");
        var readers = new List<Reads>();
        foreach (var of in new[] { city, small })
        {
            await of.Host.RenewAdministratorTokenAsync();
            readers.Add(new Reads(of, of.Host.CreateClient(), await of.Host.Finance()));
        }
        // Each warmed up until the JIT settles, as the taps are (the reading code was run by neither measurement before).
        foreach (var reader in readers)
        {
            (reader.Of.Figures["history_warmup_reads"], reader.Of.Figures["history_warmup_s"]) =
                await Bench.UntilJitSettles(100, async () => await Bench.Measure(4, 100, _ => reader.History()), WarmUpLimit(60));
            await Bench.Measure(1, 20, _ => reader.Settlement());
        }
        foreach (var reader in readers)
            await LedgerSettledAsync(reader.Of.Host, reader.Of.Figures, "history");
        // The same number in quick runs: 2,000 reads take seconds, and the p99 of 400 was their fourth slowest.
        const int rounds = 10;
        var (historyReads, settlementReads) = (2_000 / rounds, 100 / rounds);
        foreach (var reader in readers)
            reader.ForgetLines();
        for (var round = 0; round < rounds; round++)
            foreach (var reader in round % 2 == 0 ? readers : Enumerable.Reverse(readers))
            {
                reader.HistoryMs.AddRange((await Bench.Measure(4, historyReads, _ => reader.History())).LatenciesMs);
                reader.SettlementMs.AddRange((await Bench.Measure(1, settlementReads, _ => reader.Settlement())).LatenciesMs);
            }
        foreach (var reader in readers)
        {
            var reads = new Run(4, reader.HistoryMs.Count, 0, [.. reader.HistoryMs]);
            reader.Of.Figures["history_p50_ms"] = reads.P(0.5);
            reader.Of.Figures["history_p99_ms"] = reads.P(0.99);
            reader.Of.Figures["history_page_lines"] = Math.Round((double)reader.Lines / reads.Requests, 2);
            reader.Of.Figures["settlement_ms"] = new Run(1, reader.SettlementMs.Count, 0, [.. reader.SettlementMs]).P(0.5);
        }
    }

    /// <summary>
    /// A database's two reads, a card and a page of its history (counting the lines read since <see cref="ForgetLines"/>) and
    /// the busy day's settlement, and their measured milliseconds.
    /// </summary>
    private sealed class Reads(Measured of, HttpClient http, HttpClient finance)
    {
        private long _lines;

        public Measured Of => of;

        public List<double> HistoryMs { get; } = [];

        public List<double> SettlementMs { get; } = [];

        public long Lines => Interlocked.Read(ref _lines);

        public void ForgetLines() => Interlocked.Exchange(ref _lines, 0);

        public async Task History()
        {
            var card = of.Read[Random.Shared.Next(of.Read.Count)];
            (await http.GetAsync($"/cards/{card.Id}")).EnsureSuccessStatusCode();
            var page = await http.GetFromJsonAsync<CityPass.Host.Cards.Reading.CardHistoryPage>($"/cards/{card.Id}/history?limit={HistoryPage}", CityPass.Host.Infrastructure.Json.Options);
            Interlocked.Add(ref _lines, page!.Lines.Count);
        }

        public async Task Settlement() =>
            (await finance.GetAsync($"/finance/settlements/city?from={of.BusyDay:yyyy-MM-dd}&to={of.BusyDay:yyyy-MM-dd}")).EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Waits for the host's finance ledger to catch up before a measured phase, on both databases: otherwise the phase runs
    /// beside the ledger's posting of the work before it, a backlog that need not be the same size on both. The wait is a
    /// figure too (<c>ledger_wait_before_{phase}_s</c>): how far behind the ledger was.
    /// </summary>
    private static async Task LedgerSettledAsync(CityPassHost host, Dictionary<string, double> figures, string phase)
    {
        var wait = Stopwatch.StartNew();
        await host.LedgerCaughtUp();
        figures[$"ledger_wait_before_{phase}_s"] = Math.Round(wait.Elapsed.TotalSeconds, 2);
    }

    /// <summary>pg_stat_statements of the schema (its statements name it): calls and milliseconds by statement.</summary>
    private static async Task<Dictionary<long, (string Query, long Calls, double Ms)>> Statements(string schema)
    {
        await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select queryid, query, calls, total_exec_time from pg_stat_statements where queryid is not null and position(@schema in query) > 0", connection);
        command.Parameters.AddWithValue("schema", schema + ".");
        var statements = new Dictionary<long, (string, long, double)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            statements[reader.GetInt64(0)] = (reader.GetString(1), reader.GetInt64(2), reader.GetDouble(3));
        return statements;
    }

    /// <summary>What ran between two readings of pg_stat_statements, the costliest first; returns the SQL milliseconds.</summary>
    private static double PrintStatements(string title, Dictionary<long, (string Query, long Calls, double Ms)> before, Dictionary<long, (string Query, long Calls, double Ms)> after)
    {
        var ran = after.Select(a => (a.Value.Query, Calls: a.Value.Calls - (before.TryGetValue(a.Key, out var b) ? b.Calls : 0),
                Ms: a.Value.Ms - (before.TryGetValue(a.Key, out var c) ? c.Ms : 0)))
            .Where(r => r.Calls > 0).OrderByDescending(r => r.Ms).ToList();
        Console.WriteLine($"{title}: {ran.Sum(r => r.Ms):N1} ms in {ran.Sum(r => r.Calls)} statements");
        foreach (var (query, calls, ms) in ran.Take(5))
        {
            var text = System.Text.RegularExpressions.Regex.Replace(query, @"\s+", " ");
            Console.WriteLine($"  {ms,9:N1} ms {calls,6} × {text[..Math.Min(150, text.Length)]}");
        }
        return ran.Sum(r => r.Ms);
    }

    /// <summary>
    /// Online taps at the machine's maximum rate (64 terminals) for the phase's duration, on the city's cards: what the
    /// finance ledger's async projection posted meanwhile, and how far behind it was when the taps stopped.
    /// </summary>
    private async Task LedgerPhaseAsync(CityPassHost host, IReadOnlyList<Card> cards)
    {
        Step($"ledger: {_o.LedgerSeconds} s of online taps at 64 terminals");
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await host.LedgerCaughtUp();
        var entriesBefore = await LedgerEntries(host);
        var (eventsBefore, _) = await Progress(host);
        var client = _client.CreateRequestClient<AuthorizeTap>(new Uri($"queue:{host.TapQueue}"), RequestTimeout.After(s: 30));
        var gates = Enumerable.Range(0, 64).Select(i => $"bench-gate-{i}").ToArray();
        var until = Stopwatch.StartNew();
        var taps = 0L;
        var lags = new ConcurrentBag<long>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var (high, ledger) = await Progress(host);
                lags.Add(high - ledger);
                await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
            }
        });
        await Task.WhenAll(gates.Select(async gate =>
        {
            while (until.Elapsed.TotalSeconds < _o.LedgerSeconds)
            {
                var card = cards[Random.Shared.Next(cards.Count)];
                var signed = await host.Terminals.Tap(gate, Interlocked.Increment(ref _sequence), card.Uid, TestCity.Library, host.Clock.GetCurrentInstant(), Interlocked.Increment(ref _counter));
                await client.GetResponse<TapAuthorized, TapDeclined>(signed);
                Interlocked.Increment(ref taps);
            }
        }));
        var seconds = until.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var (eventsAtEnd, ledgerAtEnd) = await Progress(host);
        var entriesAtEnd = await LedgerEntries(host);
        var caughtUp = Stopwatch.StartNew();
        var lagSeconds = await CityPass.Host.Finance.FinanceHttp.LedgerCaughtUpAsync(store, TimeSpan.FromMinutes(10)) ? caughtUp.Elapsed.TotalSeconds : -1;
        _r["ledger_phase_s"] = Round(seconds);
        _r["ledger_phase_taps_per_s"] = Math.Round(taps / seconds);
        _r["ledger_phase_events_per_s"] = Math.Round((eventsAtEnd - eventsBefore) / seconds);
        _r["ledger_entries_per_s"] = Math.Round((entriesAtEnd - entriesBefore) / seconds);
        _r["ledger_events_behind_at_end"] = eventsAtEnd - ledgerAtEnd;
        _r["ledger_events_behind_max"] = lags.IsEmpty ? 0 : lags.Max();
        _r["ledger_projection_lag_s"] = Round(lagSeconds);
    }

    /// <summary>The event store's highest sequence and the ledger projection's progress.</summary>
    private static async Task<(long High, long Ledger)> Progress(CityPassHost host)
    {
        await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select (select coalesce(max(seq_id), 0) from {host.Schema}.mt_events), " +
            $"(select coalesce(max(last_seq_id), 0) from {host.Schema}.mt_event_progression where name like '%LedgerProjection%')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<long> LedgerEntries(CityPassHost host)
    {
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.Query<CityPass.Domain.Finance.LedgerEntry>().LongCountAsync();
    }

    /// <summary>Bytes on disk per tap, all the schema's tables and indexes, and the largest tables' share.</summary>
    private async Task BytesAsync(CityPassHost host, long taps)
    {
        await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select c.relname, pg_total_relation_size(c.oid) from pg_class c join pg_namespace n on n.oid = c.relnamespace " +
            "where n.nspname = @schema and c.relkind in ('r', 'p') order by 2 desc", connection);
        command.Parameters.AddWithValue("schema", host.Schema);
        var sizes = new List<(string Table, long Bytes)>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                sizes.Add((reader.GetString(0), reader.GetInt64(1)));
        var total = sizes.Sum(s => s.Bytes);
        _r["city_bytes"] = total;
        _r["bytes_per_tap"] = Math.Round((double)total / taps);
        foreach (var (table, bytes) in sizes.Take(6))
            _r[$"bytes_per_tap_{table}"] = Math.Round((double)bytes / taps);
    }

    /// <summary>
    /// The retention plan's tap records, measured: every record compacted as the job does once the city's taps are past
    /// the replay window (the marks that answer for them kept), then <c>VACUUM FULL</c> so that the bytes freed show (a
    /// plain vacuum leaves them to the next taps). Last, since the city keeps none of its tap records after it.
    /// </summary>
    private async Task CompactTapRecordsAsync(CityPassHost host)
    {
        string[] tables = ["mt_doc_taprecord", "mt_doc_spentcounters", "mt_doc_terminalsequences"];
        await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        async Task<long> Scalar(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 3_600 };
            command.Parameters.AddWithValue("schema", host.Schema);
            command.Parameters.AddWithValue("tables", tables);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        Task<long> Bytes() => Scalar("select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c join pg_namespace n on n.oid = c.relnamespace " +
            "where n.nspname = @schema and c.relname = any(@tables) and c.relkind = 'r'");

        Step("retention: tap records compacted past the replay window (TapRecordCompaction), then VACUUM FULL");
        var records = await Scalar($"select count(*) from {host.Schema}.mt_doc_taprecord");
        var before = await Bytes();
        var watch = Stopwatch.StartNew();
        await CityPass.Host.Taps.TapRecordCompaction.FillTerminalTimesAsync(CityPassHost.PostgresConnection, host.Schema);
        var deleted = await CityPass.Host.Taps.TapRecordCompaction.RunAsync(CityPassHost.PostgresConnection, host.Schema,
            host.Clock.GetCurrentInstant() + Duration.FromDays(1));
        _r["compaction_s"] = Round(watch.Elapsed.TotalSeconds);
        _r["compaction_records_deleted"] = deleted;
        foreach (var table in tables)
        {
            await using var vacuum = new NpgsqlCommand($"vacuum full {host.Schema}.{table}", connection) { CommandTimeout = 3_600 };
            await vacuum.ExecuteNonQueryAsync();
        }
        var after = await Bytes();
        _r["tap_record_bytes_before"] = before;
        _r["tap_record_bytes_after"] = after;
        _r["tap_record_bytes_saved_per_tap"] = records == 0 ? 0 : Math.Round((double)(before - after) / records);
        if (_r.TryGetValue("bytes_per_tap", out var perTap))
            _r["bytes_per_tap_after_compaction"] = Math.Round(Convert.ToDouble(perTap, CultureInfo.InvariantCulture) - (double)(before - after) / records);
        await SaveAsync();
    }

    /// <summary>Rebuilding the card snapshots from the events: the time a schema change of <c>Card</c> costs a city.</summary>
    private async Task RebuildCardsAsync(CityPassHost host)
    {
        if (_o.Quick is false && _o.Cards > 100_000)
            return; // tens of minutes at full size: measured with --cards; docs/performance.md extrapolates
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var name = CityPass.Host.Operations.Projections.ProjectionRebuild.Names(store)
            .First(n => n.Contains("Card", StringComparison.Ordinal) && !n.Contains("History", StringComparison.Ordinal));
        Step($"rebuilding the card projection ({name}, as the host command rebuild-projections does)");
        var before = await CardsJsonAsync(store);
        var watch = Stopwatch.StartNew();
        try
        {
            using var daemon = await store.BuildProjectionDaemonAsync();
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(30), CancellationToken.None);
            _r["city_card_rebuild_s"] = Round(watch.Elapsed.TotalSeconds);
            // The rebuilt cards are the cards before, to the byte: a rebuild that is fast but wrong is no figure.
            if (await CardsJsonAsync(store) != before)
                throw new InvalidOperationException("the rebuilt cards differ from the cards before the rebuild");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"rebuilding {name} failed: {e.Message}");
            _r["city_card_rebuild_s"] = -1;
        }
    }

    private static async Task<string> CardsJsonAsync(IDocumentStore store)
    {
        await using var query = store.QuerySession();
        return await query.Query<Card>().OrderBy(c => c.Id).ToJsonArray();
    }

    private static async Task<List<Card>> ActiveCardsAsync(CityPassHost host)
    {
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.Query<Card>().Where(c => c.Status == CardStatus.Active).ToListAsync()).ToList();
    }

    private static List<Card> Sample(IReadOnlyList<Card> cards, int count, Random? random = null) =>
        cards.OrderBy(_ => (random ?? Random.Shared).Next()).Take(count).ToList();

    private static async Task<List<Card>> CardsWithBalance(CityPassHost host, int count, long cents)
    {
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var now = host.Clock.GetCurrentInstant();
        var cards = new ConcurrentBag<Card>();
        await ForEach(Enumerable.Range(0, count).Chunk(1_000).ToList(), 2, async chunk =>
        {
            await using var session = store.LightweightSession();
            foreach (var _ in chunk)
            {
                var id = Guid.CreateVersion7();
                var issued = new CardIssued(id, Given.NewUid(), now);
                var loaded = new ValueLoaded(id, Domain.Money.FromCents(cents), new LoadSource("desk"), $"bench/{id}", Domain.Money.FromCents(cents), now);
                session.Events.StartStream<Card>(id, issued, loaded);
                cards.Add(Card.From(issued).Evolve(loaded));
            }
            await session.SaveChangesAsync();
        });
        return cards.ToList();
    }

    private static async Task Post(HttpClient http, string path, object body, bool mustSucceed = true)
    {
        using var response = await SendAgainWhileBusy(http, path, body);
        // A refusal of this write (a blocked card) may be expected; a refusal of the caller or a server error never is.
        if (!response.IsSuccessStatusCode && (mustSucceed || (int)response.StatusCode is 401 or 403 or >= 500))
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>As a desk's client does: a 503 with Retry-After (every attempt lost its race, nothing written) is sent again, 4 times at most.</summary>
    private static async Task<HttpResponseMessage> SendAgainWhileBusy(HttpClient http, string path, object body)
    {
        var key = Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Api.Json) };
            request.Headers.Add("Idempotency-Key", key);
            var response = await http.SendAsync(request);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt == 5 || response.Headers.RetryAfter?.Delta is not { } wait)
                return response;
            response.Dispose();
            Console.WriteLine($"[city] POST {path}: 503, sent again after {wait.TotalSeconds} s");
            await Task.Delay(wait);
        }
    }

    private static Task ForEach<T>(IEnumerable<T> items, int parallel, Func<T, Task> body) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (item, _) => await body(item));
}

/// <summary><c>./bench.sh --city</c>: runs the city bench, writes artifacts/bench/city.json and prints the table.</summary>
public static class CityRun
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The figures measured on both databases, printed side by side.</summary>
    private static readonly string[] Paired =
    [
        "tap_rps_c8", "tap_p50_ms_c8", "tap_p99_ms_c8", "tap_rps_c64", "tap_p50_ms_c64", "tap_p99_ms_c64",
        "history_p50_ms", "history_p99_ms", "history_page_lines", "offline_taps_per_s", "daily_close_ms", "daily_close_sql_ms", "settlement_ms", "stripe_report_ms",
    ];

    public static async Task<int> RunAsync(string[] args, bool quick)
    {
        var options = CityOptions.Parse(args, quick);
        var output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? "artifacts/bench/city.json";
        var bench = new CityBench(options) { Output = output };
        Dictionary<string, object> results;
        var exit = 0;
        try
        {
            results = await bench.RunAsync();
        }
        catch (Exception e)
        {
            // What was measured before the failure is still written, with the failure.
            Console.Error.WriteLine(e);
            results = bench.Results;
            results["error"] = e.Message;
            exit = 1;
        }
        results["cores"] = Environment.ProcessorCount;
        results["quick"] = quick;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(results, Indented));

        Console.WriteLine();
        Console.WriteLine($"{"figure",-30} {"small",12} {"city",12} {"ratio",8}");
        foreach (var name in Paired)
            if (results.TryGetValue($"small_{name}", out var small) && results.TryGetValue($"city_{name}", out var city))
                Console.WriteLine($"{name,-30} {small,12} {city,12} {Math.Round(Convert.ToDouble(city, CultureInfo.InvariantCulture) / Math.Max(1e-9, Convert.ToDouble(small, CultureInfo.InvariantCulture)), 2),8}");
        Console.WriteLine();
        foreach (var (key, value) in results.Where(r => !Paired.Any(p => r.Key == $"small_{p}" || r.Key == $"city_{p}")))
            Console.WriteLine($"{key,-40} {value,14}");
        Console.WriteLine($"written to {output}");
        return exit;
    }
}
