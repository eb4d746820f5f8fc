using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime;
using CityPass.Contracts.Terminals;
using CityPass.Domain;
using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using CityPass.Host.Taps;
using CityPass.IntegrationTests;
using CityPass.IntegrationTests.Payments;
using CityPass.TerminalSimulator;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;

namespace CityPass.Benchmarks;

/// <summary>The host as production runs it (default concurrency), in this process, on the real servers.</summary>
public class BenchHost : CityPassHost
{
    public BenchHost()
    {
    }

    /// <summary>A host on a schema and queues named after <paramref name="run"/> (the city bench's, restored from its dump).</summary>
    protected BenchHost(string run) : base(null, run: run)
    {
    }

    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        // The tests take few taps at once (16, quick to drain); the bench measures what production runs.
        var defaults = new CityPass.Host.Terminals.TerminalOptions();
        builder.UseSetting("Terminals:ConcurrentTaps", defaults.ConcurrentTaps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Terminals:TapWriters", Environment.GetEnvironmentVariable("Terminals__TapWriters") ?? defaults.TapWriters.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Lost races are retried by design; Marten still logs each at error level.
        builder.UseSetting("Logging:LogLevel:Marten", "Critical");
    }
}

/// <summary>A latency sample summarised.</summary>
public sealed record Run(int Concurrency, int Requests, double Seconds, double[] LatenciesMs)
{
    public double Rps => Requests / Seconds;
    public double P(double q) => LatenciesMs.Length == 0 ? 0 : LatenciesMs.OrderBy(x => x).ElementAt(Math.Min(LatenciesMs.Length - 1, (int)Math.Ceiling(q * LatenciesMs.Length) - 1));
}

public sealed class Bench : IAsyncDisposable
{
    private readonly BenchHost _host;
    private readonly bool _quick;
    private readonly ISet<string>? _only;
    private readonly IBusControl _client;
    private readonly IBusControl _noop;
    private readonly Uri _noopQueue;
    private readonly HttpClient _http;
    private readonly int _offlineCards;
    private long _sequence = 1_000_000;

    private Bench(BenchHost host, bool quick, ISet<string>? only, int offlineCards, IBusControl client, IBusControl noop, Uri noopQueue)
    {
        (_host, _quick, _only, _offlineCards, _client, _noop, _noopQueue) = (host, quick, only, offlineCards, client, noop, noopQueue);
        _http = host.CreateClient();
    }

    /// <summary>The sections a run measures besides the baselines and the ledger check (<c>--only taps,offline</c>).</summary>
    public static readonly string[] Sections = ["taps", "history", "offline", "webhook", "denylist"];

    public static async Task<Bench> StartAsync(bool quick, ISet<string>? only, int offlineCards)
    {
        var host = new BenchHost();
        await host.InitializeAsync();
        // The terminals' side: a bus of its own.
        var client = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(CityPassHost.RabbitMqUri));
            cfg.ConfigureJsonSerializerOptions(CityPass.Host.Infrastructure.Json.Configure);
        });
        // The baseline's no-op service, set up as the host's tap queue is: its own bus (connection), the same prefetch,
        // asked the same way (sent to its queue), so that the only difference left is the work a tap does.
        Uri? noopAddress = null;
        var noop = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(CityPassHost.RabbitMqUri));
            cfg.ConfigureJsonSerializerOptions(CityPass.Host.Infrastructure.Json.Configure);
            cfg.ReceiveEndpoint($"bench-noop-{Guid.NewGuid():N}", e =>
            {
                e.AutoDelete = true;
                noopAddress = e.InputAddress; // with its queue's settings (auto-delete), which a plain queue: address would contradict
                e.PrefetchCount = new CityPass.Host.Terminals.TerminalOptions().ConcurrentTaps;
                e.ConcurrentMessageLimit = e.PrefetchCount;
                e.Consumer<NoopConsumer>();
            });
        });
        await Task.WhenAll(client.StartAsync(), noop.StartAsync());
        return new Bench(host, quick, only, offlineCards, client, noop, noopAddress!);
    }

    public async Task<Dictionary<string, object>> RunAsync()
    {
        var r = new Dictionary<string, object>();
        Step("baseline: one-row INSERT commits (Npgsql, 8 connections)");
        r["npgsql_insert_tx_per_s"] = Math.Round(await NpgsqlInsertRate(8, TimeSpan.FromSeconds(_quick ? 2 : 8)));

        Step("baseline: no-op MassTransit request/response, 64 concurrent");
        var cpu = CpuMeter.Start();
        var noop = await Measure(64, _quick ? 2_000 : 10_000, async _ => await _client.CreateRequestClient<Ping>(_noopQueue, RequestTimeout.After(s: 30)).GetResponse<Pong>(new Ping()));
        r["noop_rr_rps"] = Math.Round(noop.Rps);
        r["noop_rr_p99_ms"] = Math.Round(noop.P(0.99), 1);
        Cpu(r, "noop", cpu.PerRequest(noop.Requests));

        Step("cards and terminals");
        var cards = await CardsWithBalance(_quick ? 300 : 2_000, 150_00);
        var terminals = Enumerable.Range(0, 64).Select(i => $"bench-gate-{i}").ToArray();
        foreach (var t in terminals)
            await _host.Terminals.KeyAsync(t, TestCity.Library);

        // A city that has been running: tables with rows and statistics (autovacuum analyzes within a minute of
        // growth; a fresh schema would be planned as empty tables, which no running system is).
        // And code the JIT has finished optimizing (UntilJitSettles).
        Step("steady state: warm-up taps until the JIT settles, then ANALYZE");
        var perRound = _quick ? 300 : 1_000;
        (r["tap_warmup_taps"], r["tap_warmup_s"]) = await UntilJitSettles(perRound,
            async () => await Measure(8, perRound, async worker => await TapAsync(terminals[worker], cards[Random.Shared.Next(cards.Count)].Uid)),
            TimeSpan.FromSeconds(_quick ? 10 : 60));
        await Analyze();

        foreach (var concurrency in Runs("taps") ? new[] { 1, 8, 64 } : [])
        {
            Step($"online taps, {concurrency} concurrent terminals");
            using var inHost = new HostTapMeter();
            cpu = CpuMeter.Start();
            var run = await Measure(concurrency, _quick ? (concurrency == 1 ? 200 : 1_500) : (concurrency == 1 ? 1_000 : 10_000),
                async worker => await TapAsync(terminals[worker], cards[Random.Shared.Next(cards.Count)].Uid));
            r[$"tap_rps_c{concurrency}"] = Math.Round(run.Rps);
            r[$"tap_p50_ms_c{concurrency}"] = Math.Round(run.P(0.50), 1);
            r[$"tap_p95_ms_c{concurrency}"] = Math.Round(run.P(0.95), 1);
            r[$"tap_p99_ms_c{concurrency}"] = Math.Round(run.P(0.99), 1);
            var (hostP50, hostP99, meanBatch) = inHost.Result();
            r[$"tap_host_p50_ms_c{concurrency}"] = Math.Round(hostP50, 1);
            r[$"tap_host_p99_ms_c{concurrency}"] = Math.Round(hostP99, 1);
            r[$"tap_batch_mean_c{concurrency}"] = Math.Round(meanBatch, 1);
            if (concurrency == 64)
            {
                r["tap_rps"] = Math.Round(run.Rps);
                r["tap_p99_ms"] = Math.Round(run.P(0.99), 1);
                r["ratio_tap_to_noop"] = Math.Round(run.Rps / noop.Rps, 2);
                Cpu(r, "tap", cpu.PerRequest(run.Requests));
            }
        }

        var checkedCards = cards.Select(c => c.Id).ToList();
        if (Runs("history"))
        {
            Step("long history");
            var history = _quick ? 2_000 : 10_000;
            var longCard = await CardWithHistory(history);
            var fresh = (await CardsWithBalance(1, 150_00))[0];
            var samples = _quick ? 100 : 300;
            var onLong = await Measure(1, samples, async _ => await TapAsync(terminals[0], longCard.Uid));
            var onFresh = await Measure(1, samples, async _ => await TapAsync(terminals[0], fresh.Uid));
            r["long_history_events"] = history;
            r["long_history_p50_ms"] = Math.Round(onLong.P(0.5), 2);
            r["fresh_card_p50_ms"] = Math.Round(onFresh.P(0.5), 2);
            r["long_history_latency_ratio"] = Math.Round(onLong.P(0.5) / onFresh.P(0.5), 2);
            checkedCards.AddRange([longCard.Id, fresh.Id]);
        }

        if (Runs("offline"))
        {
            Step("offline batch ingestion");
            var offlineCards = await CardsWithBalance(_quick ? 100 : _offlineCards, 150_00);
            var batches = _quick ? 3 : 20;
            var offline = await OfflineRate(offlineCards, batches);
            r["offline_taps_per_s"] = Math.Round(offline.TapsPerSecond);
            (r["offline_warmup_taps"], r["offline_warmup_s"]) = offline.WarmUp;
            r["offline_jit_ms"] = Math.Round(offline.JitMs);
            Cpu(r, "offline", offline.Cpu);
            checkedCards.AddRange(offlineCards.Select(c => c.Id));
        }

        if (Runs("webhook"))
        {
            Step("webhook to credit");
            r["webhook_credits_per_s"] = Math.Round(await WebhookRate(_quick ? 40 : 200));
        }

        if (Runs("denylist"))
        {
            Step("deny-list propagation");
            var (p50, p99) = await DenyListPropagation(_quick ? 10 : 50, _quick ? 5 : 20);
            r["denylist_p50_ms"] = Math.Round(p50, 1);
            r["denylist_p99_ms"] = Math.Round(p99, 1);
        }

        Step("correctness");
        var (correct, detail) = await CheckLedger(checkedCards, terminals);
        r["correct"] = correct;
        r["correctness"] = detail;
        return r;
    }

    /// <summary>CPU milliseconds per request by process group, e.g. <c>tap_cpu_ms_postgres</c>.</summary>
    private static void Cpu(Dictionary<string, object> r, string what, IReadOnlyDictionary<string, double> perRequest)
    {
        foreach (var (group, value) in perRequest)
            r[group == "machine_busy" ? $"{what}_machine_busy" : $"{what}_cpu_ms_{group}"] = value;
    }

    private bool Runs(string section) => _only is null || _only.Contains(section);

    private static void Step(string what) => Console.WriteLine($"[bench] {what}");

    private async Task<object> TapAsync(string terminal, string uid)
    {
        var tap = await _host.Terminals.Tap(terminal, Interlocked.Increment(ref _sequence), uid, TestCity.Library, _host.Clock.GetCurrentInstant());
        var response = await _client.CreateRequestClient<AuthorizeTap>(new Uri($"queue:{_host.TapQueue}"), RequestTimeout.After(s: 30))
            .GetResponse<TapAuthorized, TapDeclined>(tap);
        return response.Message;
    }

    internal static async Task<Run> Measure(int concurrency, int requests, Func<int, Task> request)
    {
        var latencies = new ConcurrentBag<double>();
        var next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                var one = Stopwatch.StartNew();
                await request(worker);
                latencies.Add(one.Elapsed.TotalMilliseconds);
            }
        }));
        return new Run(concurrency, requests, clock.Elapsed.TotalSeconds, latencies.ToArray());
    }

    private async Task<List<Card>> CardsWithBalance(int count, long cents)
    {
        var store = _host.Services.GetRequiredService<IDocumentStore>();
        var now = _host.Clock.GetCurrentInstant();
        var cards = new List<Card>();
        foreach (var chunk in Enumerable.Range(0, count).Chunk(500))
        {
            await using var session = store.LightweightSession();
            foreach (var _ in chunk)
            {
                var id = Guid.CreateVersion7();
                var issued = new CardIssued(id, Given.NewUid(), now);
                var loaded = new ValueLoaded(id, Money.FromCents(cents), new LoadSource("bench"), $"bench/{id}", Money.FromCents(cents), now);
                session.Events.StartStream<Card>(id, issued, loaded);
                cards.Add(Card.From(issued).Evolve(loaded));
            }
            await session.SaveChangesAsync();
        }
        return cards;
    }

    /// <summary>A card whose stream holds <paramref name="events"/> events (alternating credits and fares), as years of use would.</summary>
    private async Task<Card> CardWithHistory(int events)
    {
        var card = (await CardsWithBalance(1, 100_00))[0];
        var store = _host.Services.GetRequiredService<IDocumentStore>();
        var now = _host.Clock.GetCurrentInstant();
        var one = Money.FromCents(1_00);
        var price = new PriceBreakdown("library", now, one, null, 0, "HalfUp to the cent", one, null, one);
        for (var written = 2; written < events;)
        {
            await using var session = store.LightweightSession();
            var batch = new List<object>();
            for (; batch.Count < 1_000 && written < events; written++)
                batch.Add(written % 2 == 0
                    ? new FareCharged(card.Id, TestCity.Library, "history", written, one, Money.FromCents(99_00), new LocalDate(2026, 11, 25), price, now, now)
                    : new ValueLoaded(card.Id, one, new LoadSource("bench"), $"history/{written}", Money.FromCents(100_00), now));
            session.Events.Append(card.Id, batch.ToArray());
            await session.SaveChangesAsync();
        }
        return card;
    }

    /// <summary>
    /// Taps recorded per second, the CPU milliseconds per tap of each process group while they were, the warm-up before
    /// them (taps, seconds) and the JIT's milliseconds during them.
    /// </summary>
    private sealed record OfflineRun(double TapsPerSecond, IReadOnlyDictionary<string, double> Cpu, (int Taps, double Seconds) WarmUp, double JitMs);

    private async Task<OfflineRun> OfflineRate(List<Card> cards, int batches)
    {
        var client = _client.CreateRequestClient<UploadOfflineTaps>(new Uri($"queue:{_host.OfflineTapQueue}"), RequestTimeout.After(s: 120));
        async Task<UploadOfflineTaps> Batch(List<Card> of, int b)
        {
            var terminal = $"bench-offline-{b % 4}";
            var taps = new List<OfflineTap>();
            for (var i = 0; i < 1_000; i++)
            {
                var signed = await _host.Terminals.Tap(terminal, Interlocked.Increment(ref _sequence), of[(b * 1_000 + i) % of.Count].Uid, TestCity.Library,
                    _host.Clock.GetCurrentInstant() - Duration.FromMinutes(30));
                taps.Add(new OfflineTap(signed.Sequence, signed.CardUid, signed.VenueId, signed.TerminalTime, signed.CardCounter, signed.Cryptogram, signed.Mac));
            }
            return new UploadOfflineTaps(terminal, Guid.NewGuid(), taps);
        }
        // Warmed up on cards of their own until the JIT has settled (docs/performance.md, "The JIT's first minute").
        var warmCards = await CardsWithBalance(_quick ? 200 : 2_000, 150_00);
        var round = 0;
        var warmUp = await UntilJitSettles(4_000, async () =>
        {
            var uploads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Batch(warmCards, Interlocked.Increment(ref round))));
            await Task.WhenAll(uploads.Select(u => client.GetResponse<OfflineTapsAccepted>(u)));
        }, TimeSpan.FromSeconds(_quick ? 10 : 90));
        // The warm-up's ledger entries posted before the measurement, as before any other: not its backlog measured.
        await CityPass.IntegrationTests.Finance.FinanceHelpers.LedgerCaughtUp(_host);
        var prepared = new List<UploadOfflineTaps>();
        for (var b = 0; b < batches; b++)
            prepared.Add(await Batch(cards, b));
        var jit = JitInfo.GetCompilationTime();
        var cpu = CpuMeter.Start();
        var clock = Stopwatch.StartNew();
        var recorded = (await Task.WhenAll(prepared.Select(async upload => (await client.GetResponse<OfflineTapsAccepted>(upload)).Message.Recorded))).Sum();
        var jitMs = (JitInfo.GetCompilationTime() - jit).TotalMilliseconds;
        if (recorded != batches * 1_000)
            throw new InvalidOperationException($"Offline ingestion recorded {recorded} of {batches * 1_000} taps.");
        return new OfflineRun(recorded / clock.Elapsed.TotalSeconds, cpu.PerRequest(recorded), warmUp, jitMs);
    }

    /// <summary>
    /// Runs <paramref name="round"/> (<paramref name="perRound"/> requests) until a round compiles fewer than 50 methods (the
    /// JIT has settled) or <paramref name="limit"/> has passed; gives the requests made and the seconds. A started process runs its hot
    /// paths in code the JIT is still optimizing, each hot method compiled up to three times by one background thread
    /// (tier 0, instrumented, optimized with the profile): measured then, a figure is the JIT's as much as CityPass's.
    /// </summary>
    public static async Task<(int Requests, double Seconds)> UntilJitSettles(int perRound, Func<Task> round, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        for (var rounds = 1; ; rounds++)
        {
            var before = JitInfo.GetCompiledMethodCount();
            await round();
            if (JitInfo.GetCompiledMethodCount() - before < 50 || watch.Elapsed > limit)
                return (rounds * perRound, Math.Round(watch.Elapsed.TotalSeconds, 1));
        }
    }

    private async Task<double> WebhookRate(int reloads)
    {
        var (cardholder, email) = await _host.SignedInCardholder();
        var started = new List<(string PaymentIntent, Guid Reload)>();
        var cards = new List<Guid>();
        for (var i = 0; i < reloads; i++)
        {
            if (i % 10 == 0)
            {
                var card = await _http.IssuedCard();
                await _host.Link(email, card.Id);
                cards.Add(card.Id);
            }
            var reload = await cardholder.StartedReload(cards[^1], 10_00);
            started.Add((reload.PaymentIntentId!, reload.Id));
        }
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < started.Count)
                (await _host.PostStripeEvent(StripeEvents.Succeeded(started[i].PaymentIntent, started[i].Reload, 10_00))).EnsureSuccessStatusCode();
        }));
        var rate = reloads / clock.Elapsed.TotalSeconds;
        foreach (var card in cards)
            if ((await _http.Card(card)).BalanceCents != 100_00)
                throw new InvalidOperationException($"Card {card} was not credited exactly once per reload.");
        return rate;
    }

    private async Task<(double P50, double P99)> DenyListPropagation(int terminalCount, int blocks)
    {
        var heard = new ConcurrentDictionary<(string Terminal, string Uid), long>();
        var clock = Stopwatch.StartNew();
        var terminals = new List<RawTerminal>();
        for (var i = 0; i < terminalCount; i++)
        {
            var name = $"bench-deny-{i}";
            var terminal = await RawTerminal.ConnectAsync(new Uri(CityPassHost.RabbitMqUri), name);
            await terminal.SubscribeDenyListAsync("citypass-deny-list", change =>
            {
                foreach (var entry in change["changes"]!.AsArray())
                    heard.TryAdd((name, entry!["cardUid"]!.GetValue<string>()), clock.ElapsedTicks);
                return Task.CompletedTask;
            });
            terminals.Add(terminal);
        }
        var latencies = new List<double>();
        for (var b = 0; b < blocks; b++)
        {
            var card = await _http.IssuedCard();
            var sent = clock.ElapsedTicks;
            (await _http.PostAsJsonAsync($"/cards/{card.Id}/block", new { reason = "stolen" })).EnsureSuccessStatusCode();
            var deadline = Stopwatch.StartNew();
            while (Enumerable.Range(0, terminalCount).Any(i => !heard.ContainsKey(($"bench-deny-{i}", card.Uid))) && deadline.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(1);
            latencies.AddRange(Enumerable.Range(0, terminalCount).Select(i =>
                heard.TryGetValue(($"bench-deny-{i}", card.Uid), out var at) ? (at - sent) * 1000.0 / Stopwatch.Frequency : 10_000));
        }
        foreach (var terminal in terminals)
            await terminal.DisposeAsync();
        var run = new Run(terminalCount, latencies.Count, 1, latencies.ToArray());
        return (run.P(0.5), run.P(0.99));
    }

    /// <summary>Every card's snapshot equals the fold of its events; every authorized tap is one charge, none twice.</summary>
    private async Task<(bool, string)> CheckLedger(List<Guid> cardIds, string[] terminals)
    {
        var store = _host.Services.GetRequiredService<IDocumentStore>();
        await using var query = store.QuerySession();
        var mismatched = 0;
        var charges = new List<FareCharged>();
        foreach (var id in cardIds)
        {
            var events = (await query.Events.FetchStreamAsync(id)).Select(e => e.Data).ToList();
            var folded = events.Skip(1).Aggregate(Card.From((CardIssued)events[0]), (c, e) => c.Evolve(e));
            var snapshot = await query.LoadAsync<Card>(id);
            if (snapshot!.Balance != folded.Balance || folded.Balance < Money.Zero)
                mismatched++;
            charges.AddRange(events.OfType<FareCharged>().Where(c => c.TerminalId.StartsWith("bench-gate-", StringComparison.Ordinal)));
        }
        var authorized = await query.Query<TapRecord>().Where(r => r.TerminalId.StartsWith("bench-gate-") && r.DeclineReason == null).CountAsync();
        var doubled = charges.Count - charges.Select(c => (c.TerminalId, c.TerminalSequence)).Distinct().Count();
        var ok = mismatched == 0 && doubled == 0 && authorized == charges.Count;
        return (ok, $"{cardIds.Count} cards: {mismatched} balances off; {authorized} authorized taps, {charges.Count} charges, {doubled} doubled");
    }

    private Task Analyze() => Analyze(_host.Schema);

    /// <summary>ANALYZE (with <paramref name="vacuum"/>: VACUUM (ANALYZE)) of every table of the schema.</summary>
    internal static async Task Analyze(string schema, bool vacuum = false)
    {
        await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand("select tablename from pg_tables where schemaname = @schema", connection);
        tables.Parameters.AddWithValue("schema", schema);
        var names = new List<string>();
        await using (var reader = await tables.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                names.Add(reader.GetString(0));
        foreach (var name in names)
            await new NpgsqlCommand($"{(vacuum ? "VACUUM (ANALYZE)" : "ANALYZE")} {schema}.{name}", connection) { CommandTimeout = 0 }.ExecuteNonQueryAsync();
    }

    private Task<double> NpgsqlInsertRate(int connections, TimeSpan duration) => NpgsqlInsertRate(_host.Schema, connections, duration);

    internal static async Task<double> NpgsqlInsertRate(string schema, int connections, TimeSpan duration)
    {
        var table = $"{schema}.bench_insert";
        await using (var setup = new NpgsqlConnection(CityPassHost.PostgresConnection))
        {
            await setup.OpenAsync();
            // A city measured in place again still holds the table of the run before.
            await new NpgsqlCommand($"drop table if exists {table}; create table {table} (id bigserial primary key, at timestamptz not null default now(), payload text)", setup).ExecuteNonQueryAsync();
        }
        long count = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand($"insert into {table} (payload) values ('tap')", connection);
            while (stop.Elapsed < duration)
            {
                await insert.ExecuteNonQueryAsync(); // autocommit: one transaction per row
                Interlocked.Increment(ref count);
            }
        }));
        return count / stop.Elapsed.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_client.StopAsync(), _noop.StopAsync());
        await _host.DisposeAsync();
    }
}

public sealed record Ping;

public sealed record Pong;

public sealed class NoopConsumer : IConsumer<Ping>
{
    public Task Consume(ConsumeContext<Ping> context) => context.RespondAsync(new Pong());
}
