using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Cards;
using CityPass.Domain.Payments;
using CityPass.Host.Cards;
using CityPass.Host.Terminals;
using CityPass.IntegrationTests.Finance;
using CityPass.IntegrationTests.Payments;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using System.Text.Json;
using CityPass.TerminalSimulator;
using Xunit.Abstractions;

namespace CityPass.IntegrationTests.Operations.Restarts;

/// <summary>
/// Restarts under load, against a PostgreSQL and a RabbitMQ these tests start, kill and restart themselves: terminals keep
/// tapping (retrying the same sequence number until they get an answer) and Stripe keeps delivering webhooks (retrying
/// until a 2xx) while RabbitMQ is killed and PostgreSQL stopped. Nothing a terminal saw authorized is lost or counted
/// twice, every webhook is credited once, the books balance, and /health/ready follows the outages.
/// </summary>
public class RestartTests(PrivateServersFixture servers, ITestOutputHelper output) : IClassFixture<PrivateServersFixture>
{
    private RestartHost Host => servers.Host;

    [Fact]
    public async Task Taps_and_webhooks_under_load_survive_a_RabbitMQ_kill_and_a_PostgreSQL_restart()
    {
        var wall = Stopwatch.StartNew();
        Say("load: start");
        await servers.BothRunningAsync();
        var admin = Host.CreateClient();
        await servers.ReadyBecomes(HttpStatusCode.OK, TimeSpan.FromSeconds(45));

        // Six cards with 100.00 each; four library gates (1.00 a tap) tap them in turn.
        var cards = new List<CardView>();
        for (var i = 0; i < 6; i++)
            cards.Add(await admin.CardWithBalance(100_00));
        var run = Guid.NewGuid().ToString("N")[..6];
        var terminals = Enumerable.Range(0, 4).Select(i => new LoadTerminal($"restart-{run}-{i}", cards)).ToList();
        foreach (var terminal in terminals)
            await Host.Terminals.KeyAsync(terminal.Id, TestCity.Library); // enrolled before the outages
        // A probe that measures when taps are served again; at a venue with no fare, so it charges nothing.
        var probeId = $"restart-{run}-probe";
        await Host.Terminals.KeyAsync(probeId, TestCity.Nowhere);

        // Eight cardholders reloading 20.00 online: Stripe will confirm each by a webhook during the run.
        var reloads = new List<(HttpClient Http, CardView Card, CityPass.Host.Payments.Reloading.ReloadView Reload)>();
        for (var i = 0; i < 8; i++)
        {
            var (http, _, card) = await Host.CardholderWithCard();
            reloads.Add((http, card, await http.StartedReload(card.Id, 20_00)));
        }
        Say($"set up in {wall.Elapsed.TotalSeconds:F1} s");

        using var stop = new CancellationTokenSource();
        var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(100);
        var tapping = terminals.Select(t => Task.Run(() => t.RunAsync(Host, giveUp, stop.Token))).ToList();
        // Stripe confirms two reloads before the outages, two while RabbitMQ is down, two while PostgreSQL is down, two after.
        var stripe = new StripeDeliveries(Host, giveUp);
        var confirmations = new Queue<string>(reloads.Select(r => StripeEvents.Succeeded(r.Reload.PaymentIntentId!, r.Reload.Id, 20_00)));
        void StripeConfirms(int count)
        {
            for (var i = 0; i < count; i++)
                stripe.Deliver(confirmations.Dequeue());
        }

        var load = Stopwatch.StartNew();
        try
        {
            StripeConfirms(2);
            await Task.Delay(1500);
            await servers.ReadyBecomes(HttpStatusCode.OK, TimeSpan.FromSeconds(5));

            // RabbitMQ: kill -9, unhealthy, back on the same data, healthy again without anyone touching the host.
            await servers.RabbitMq.KillAsync();
            Say($"{load.Elapsed.TotalSeconds:F1} s: RabbitMQ killed");
            var noticed = await servers.ReadyBecomes(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(15));
            Say($"  /health/ready 503 after {noticed.TotalSeconds:F1} s");
            StripeConfirms(2);
            await Task.Delay(1000);
            await servers.RabbitMq.StartAgainAsync();
            Say($"{load.Elapsed.TotalSeconds:F1} s: RabbitMQ started again (accepting connections)");
            var readyTask = servers.ReadyBecomes(HttpStatusCode.OK, TimeSpan.FromSeconds(45));
            var firstAnswer = await FirstTapAnswered(probeId, cards[0].Uid, TimeSpan.FromSeconds(60));
            Say($"  first tap answered {firstAnswer.TotalSeconds:F1} s after the broker accepted connections");
            var reconnected = await readyTask;
            Say($"  /health/ready 200 after {reconnected.TotalSeconds:F1} s");
            // Issue 14: taps answered within 2 s of the broker accepting connections (MessagingSetup's reconnect policy).
            Assert.True(firstAnswer < TimeSpan.FromSeconds(RabbitMqBackWithin), $"The first tap was answered {firstAnswer.TotalSeconds:F1} s after the broker came back.");
            Assert.True((reconnected - firstAnswer).Duration() < TimeSpan.FromSeconds(RabbitMqBackWithin),
                $"/health/ready said 200 {reconnected.TotalSeconds:F1} s after the broker came back, the first tap was answered after {firstAnswer.TotalSeconds:F1} s.");
            await Task.Delay(1500);

            // PostgreSQL: stopped hard (no checkpoint), unhealthy, started again (crash recovery), healthy again.
            await servers.Postgres.StopImmediatelyAsync();
            Say($"{load.Elapsed.TotalSeconds:F1} s: PostgreSQL stopped (-m immediate)");
            noticed = await servers.ReadyBecomes(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(15));
            Say($"  /health/ready 503 after {noticed.TotalSeconds:F1} s");
            StripeConfirms(2);
            await Task.Delay(2500); // longer than MassTransit's retries of a tap (1.3 s): some taps fault, their terminals resend
            await servers.Postgres.StartAgainAsync();
            Say($"{load.Elapsed.TotalSeconds:F1} s: PostgreSQL started again");
            reconnected = await servers.ReadyBecomes(HttpStatusCode.OK, TimeSpan.FromSeconds(30));
            Say($"  /health/ready 200 after {reconnected.TotalSeconds:F1} s");
            StripeConfirms(2);
            await Task.Delay(1500);
        }
        finally
        {
            stop.Cancel(); // also when a step above failed: the terminals stop after their tap in flight
        }
        // Each terminal finishes its tap in flight (it resends until it has an answer); Stripe resends each event until a 2xx.
        await Task.WhenAll(tapping.Append(stripe.AllAccepted())).WaitAsync(TimeSpan.FromSeconds(60));
        Say($"{load.Elapsed.TotalSeconds:F1} s: load stopped");

        var answers = terminals.SelectMany(t => t.Answers.Select(a => (Terminal: t.Id, Sequence: a.Key, Card: t.CardOf(a.Key), Answer: a.Value))).ToList();
        var authorized = answers.Where(a => a.Answer is TapAuthorized).ToList();
        Say($"taps: {answers.Count} answered, {authorized.Count} authorized, {terminals.Sum(t => t.Resends)} resends, {terminals.Sum(t => t.Reconnects)} reconnections, {terminals.Sum(t => t.Faults)} faults; " +
                         $"webhooks: {reloads.Count} events, {stripe.Deliveries} deliveries, {stripe.Refused} not 2xx");
        Assert.True(stripe.Refused > 0, "No webhook delivery met the PostgreSQL outage.");
        // Issue 14: a database outage holds taps within their lifetime; it does not fill the tap queue's error queue.
        await using (var broker = await Host.Broker.ConnectAsync())
        await using (var channel = await broker.CreateChannelAsync())
        {
            var failed = await channel.QueueDeclarePassiveAsync(Host.TapQueue + "_error").ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.MessageCount : 0u);
            Say($"{failed} taps in {Host.TapQueue}_error");
            Assert.Equal(0u, failed);
        }
        Assert.True(terminals.Sum(t => t.Resends) > 0, "No tap needed a resend: the load did not cross the outages.");
        Assert.True(authorized.Count > 20, $"Only {authorized.Count} taps were authorized: too little load to mean anything.");

        // Every tap a terminal saw authorized is charged once, with the amount it was told, and nothing else is charged.
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.QuerySession())
        {
            var charges = await session.Events.QueryRawEventDataOnly<FareCharged>().ToListAsync();
            var twice = charges.GroupBy(c => (c.TerminalId, c.TerminalSequence)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"Charged more than once: {string.Join(", ", twice)}");
            var charged = charges.ToDictionary(c => (c.TerminalId, c.TerminalSequence), c => c.Amount.Cents);
            foreach (var tap in authorized)
            {
                Assert.True(charged.TryGetValue((tap.Terminal, tap.Sequence), out var cents), $"Tap {tap.Terminal}/{tap.Sequence} was authorized but is not in the ledger.");
                Assert.Equal(((TapAuthorized)tap.Answer).ChargedCents, cents);
            }
            Assert.Equal(authorized.Count, charges.Count);
        }

        // Each card's balance is the sum of its events; it was charged once per tap authorized on it.
        foreach (var card in cards)
        {
            var history = await admin.History(card.Id);
            Assert.Equal((await admin.Card(card.Id)).BalanceCents, history.Sum(l => l.AmountCents ?? 0));
            Assert.Equal(authorized.Count(a => a.Card == card.Uid), history.Count(l => l.Kind == "charged"));
            Assert.Equal(100_00 - authorized.Where(a => a.Card == card.Uid).Sum(a => ((TapAuthorized)a.Answer).ChargedCents), history.Sum(l => l.AmountCents ?? 0));
        }

        // Every webhook credited exactly once.
        foreach (var (http, card, reload) in reloads)
        {
            var after = await http.Reload(reload.Id);
            Assert.Equal((ReloadStatus.Credited, 20_00L), (after.Status, after.CreditedCents));
            var history = await admin.History(card.Id);
            Assert.Single(history, l => l.Kind == "loaded");
            Assert.Equal(20_00, (await admin.Card(card.Id)).BalanceCents);
            Assert.Equal(20_00, history.Sum(l => l.AmountCents ?? 0));
        }

        // The books balance: the async ledger caught up after the restart and sums to zero.
        var books = await Host.TrialBalance();
        Assert.True(books.LedgerUpToDate);
        Assert.Equal(0, books.TotalCents);
        Assert.Equal(books.CardBalancesCents, books.StoredValueLiabilityCents);
        Say($"whole scenario {wall.Elapsed.TotalSeconds:F1} s, with the load {load.Elapsed.TotalSeconds:F1} s");
        // About 25 s on a quiet machine (RabbitMQ boots in ~5 s, MassTransit reconnects within ~10 s); a hang is a failure.
        Assert.True(wall.Elapsed < TimeSpan.FromSeconds(120), $"The scenario took {wall.Elapsed.TotalSeconds:F0} s.");
    }

    [Fact]
    public async Task A_card_blocked_while_RabbitMQ_is_down_reaches_a_subscribed_terminal_once_RabbitMQ_is_back()
    {
        var wall = Stopwatch.StartNew();
        Say("deny list: start");
        await servers.BothRunningAsync();
        var admin = Host.CreateClient();
        await servers.ReadyBecomes(HttpStatusCode.OK, TimeSpan.FromSeconds(45));
        var card = await admin.IssuedCard();

        // A terminal's queue that outlives the broker's restart (durable), bound to the deny-list fanout exchange.
        var queue = $"terminal-restart-deny-list-{Guid.NewGuid():N}";
        await using (var connection = await Host.Broker.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.ExchangeDeclareAsync(TerminalQueues.DenyList, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(queue, TerminalQueues.DenyList, routingKey: "");
        }

        await servers.RabbitMq.KillAsync();
        Say("deny list: RabbitMQ killed");
        await servers.ReadyBecomes(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(15));
        Say("deny list: /health/ready 503");
        var blocked = await admin.PostAsJsonAsync($"/cards/{card.Id}/block", new { reason = "stolen" });
        Assert.True(blocked.IsSuccessStatusCode, $"Blocking failed: {(int)blocked.StatusCode}"); // the write does not need the broker
        var version = (await admin.GetFromJsonAsync<DenyListSync>("/deny-list?since=0", Api.Json))!.Version;
        await Task.Delay(DenyListRelay.PollInterval * 2);
        Assert.True(await PublishedVersion() < version, "The relay says it pushed a change while RabbitMQ was down.");

        Say($"deny list: card blocked, version {version}");
        await servers.RabbitMq.StartAgainAsync();
        Say("deny list: RabbitMQ started again");
        await servers.ReadyBecomes(HttpStatusCode.OK, TimeSpan.FromSeconds(45));
        Say("deny list: /health/ready 200");

        // The change arrives in the terminal's queue, which survived the restart (durable queue, durable binding).
        await using var terminal = await Host.Broker.ConnectAsync(); // the terminal's link, once the broker is back
        var pushes = new List<JsonObject>();
        var waited = Stopwatch.StartNew();
        while (!pushes.Any(p => Mentions(p, card.Uid, version)) && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            pushes.AddRange(await Drain(terminal, queue));
            await Task.Delay(100);
        }
        var diagnosis = "";
        if (!pushes.Any(p => Mentions(p, card.Uid, version)))
        {
            await using var channel = await terminal.CreateChannelAsync();
            var before = await channel.QueueDeclarePassiveAsync(queue);
            await channel.BasicPublishAsync(TerminalQueues.DenyList, "", Encoding.UTF8.GetBytes("{\"message\":{\"changes\":[]}}"));
            await Task.Delay(500);
            var after = await channel.QueueDeclarePassiveAsync(queue);
            diagnosis = $" (queue after restart: {before.MessageCount} messages; a probe published to the exchange: {after.MessageCount}; relay cursor {await PublishedVersion()})";
        }
        Assert.True(pushes.Any(p => Mentions(p, card.Uid, version)),
            $"{diagnosis} No push of version {version} blocking {card.Uid} reached the terminal's queue: {string.Join(" | ", pushes.Select(p => p.ToJsonString()))}");
        Assert.True(await PublishedVersion() >= version);

        // The host's own queues are durable too: the broker refuses to redeclare them non-durable.
        foreach (var hostQueue in new[] { Host.TapQueue, Host.OfflineTapQueue, Host.HeartbeatQueue })
            Assert.True(await IsDurable(terminal, hostQueue), $"{hostQueue} is not a durable queue.");

        // Once pushed and confirmed, the cursor has moved: the next polls push it no more.
        await Task.Delay(DenyListRelay.PollInterval * 2);
        pushes.AddRange(await Drain(terminal, queue));
        Assert.Single(pushes, p => Mentions(p, card.Uid, version));
        Say($"deny-list relay across a RabbitMQ kill: {wall.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The target of issue 14 is 2 s; the assertion leaves room for a machine shared with other builds.</summary>
    private const int RabbitMqBackWithin = 4;

    /// <summary>How long until a terminal that reconnects and resends as often as it can gets an answer to one tap.</summary>
    private async Task<TimeSpan> FirstTapAnswered(string terminalId, string cardUid, TimeSpan giveUp)
    {
        var waited = Stopwatch.StartNew();
        var tap = await Host.Terminals.Tap(terminalId, 1, cardUid, TestCity.Nowhere, Host.Clock.GetCurrentInstant());
        var message = System.Text.Json.JsonSerializer.SerializeToNode(tap, Api.Json)!.AsObject();
        while (waited.Elapsed < giveUp)
        {
            try
            {
                await using var link = await RawTerminal.ConnectAsync(new Uri(Host.Broker.Uri), terminalId);
                while (waited.Elapsed < giveUp)
                {
                    try
                    {
                        var reply = await link.RequestAsync(Host.TapQueue, "AuthorizeTap", message.DeepClone().AsObject(), TimeSpan.FromMilliseconds(250));
                        if (reply["messageType"]!.ToJsonString().Contains(":Tap", StringComparison.Ordinal))
                            return waited.Elapsed;
                    }
                    catch (TimeoutException)
                    {
                        // not served yet: the same tap again
                    }
                }
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.RabbitMQClientException or System.Net.Sockets.SocketException or IOException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"No tap answered within {giveUp.TotalSeconds} s of the broker coming back.");
    }

    /// <summary>Progress, in the test's output and (as it happens) in a file, for a run that hangs.</summary>
    private void Say(string line)
    {
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "citypass-restart-tests.log"), $"{DateTime.UtcNow:HH:mm:ss.fff} {line}\n");
    }

    private static bool Mentions(JsonObject push, string uid, long version) =>
        push["changes"]!.AsArray().Any(c => c!["cardUid"]!.GetValue<string>() == uid && c["denied"]!.GetValue<bool>() && c["version"]!.GetValue<long>() == version);

    /// <summary>On a channel of its own: a refused declaration closes the channel.</summary>
    private static async Task<bool> IsDurable(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
            return false; // accepted as non-durable (or created, had it not existed)
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 406)
        {
            return true; // PRECONDITION_FAILED: inequivalent arg 'durable'
        }
    }

    private static async Task<List<JsonObject>> Drain(IConnection connection, string queue)
    {
        var found = new List<JsonObject>();
        await using var channel = await connection.CreateChannelAsync();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            found.Add(JsonNode.Parse(Encoding.UTF8.GetString(message.Body.Span))!["message"]!.AsObject());
        return found;
    }

    private async Task<long> PublishedVersion()
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.LoadAsync<DenyListRelayState>(DenyListRelayState.DocumentId))?.PublishedVersion ?? 0;
    }

    /// <summary>
    /// A gate that taps its cards in turn, as docs/terminal-protocol.md says a terminal must: on its own AMQP connection
    /// (RabbitMQ.Client alone, like a vendor's terminal), the tap signed by <see cref="TestTerminals"/>; a tap whose answer
    /// does not come (no broker, a timeout, a fault instead of an answer) is sent again, the very same message with the
    /// same sequence number, until an answer comes; a broken connection is opened again.
    /// </summary>
    private sealed class LoadTerminal(string id, IReadOnlyList<CardView> cards)
    {
        public string Id { get; } = id;
        public ConcurrentDictionary<long, object> Answers { get; } = new();
        public int Resends;
        public int Reconnects;
        public int Faults;

        public string CardOf(long sequence) => cards[(int)(sequence % cards.Count)].Uid;

        public async Task RunAsync(CityPassHost host, DateTime giveUp, CancellationToken stop)
        {
            RawTerminal? link = null;
            try
            {
                for (long sequence = 1; !stop.IsCancellationRequested; sequence++)
                {
                    var tap = await host.Terminals.Tap(Id, sequence, CardOf(sequence), TestCity.Library, host.Clock.GetCurrentInstant());
                    var message = System.Text.Json.JsonSerializer.SerializeToNode(tap, Api.Json)!.AsObject();
                    while (true)
                    {
                        string why;
                        try
                        {
                            link ??= await RawTerminal.ConnectAsync(new Uri(host.Broker.Uri), Id, CancellationToken.None); // a tap in flight finishes after the stop
                            var reply = await link.RequestAsync(host.TapQueue, "AuthorizeTap", message.DeepClone().AsObject(), TimeSpan.FromSeconds(3), CancellationToken.None);
                            if (Decision(reply) is { } answer)
                            {
                                Answers[sequence] = answer;
                                break;
                            }
                            why = "a fault instead of an answer";
                            Interlocked.Increment(ref Faults);
                        }
                        catch (TimeoutException)
                        {
                            why = "no answer in time";
                        }
                        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.RabbitMQClientException or System.Net.Sockets.SocketException or IOException
                                                      or ObjectDisposedException or OperationCanceledException)
                        {
                            why = e.Message;
                            if (link is not null)
                            {
                                try
                                {
                                    await link.DisposeAsync();
                                }
                                catch (Exception)
                                {
                                    // the connection is gone already
                                }
                            }
                            link = null;
                            Interlocked.Increment(ref Reconnects);
                        }
                        if (DateTime.UtcNow > giveUp)
                            throw new TimeoutException($"Tap {Id}/{sequence} got no answer however often it was sent: {why}");
                        Interlocked.Increment(ref Resends);
                        await Task.Delay(200, CancellationToken.None);
                    }
                    await Task.Delay(20, CancellationToken.None);
                }
            }
            finally
            {
                if (link is not null)
                    await link.DisposeAsync();
            }
        }

        private static object? Decision(JsonObject reply)
        {
            var type = string.Join(",", reply["messageType"]!.AsArray().Select(t => t!.GetValue<string>()));
            if (type.Contains(":TapAuthorized", StringComparison.Ordinal))
                return reply["message"].Deserialize<TapAuthorized>(Api.Json);
            if (type.Contains(":TapDeclined", StringComparison.Ordinal))
                return reply["message"].Deserialize<TapDeclined>(Api.Json);
            return null;
        }
    }

    /// <summary>Delivers each webhook event until it gets a 2xx (as Stripe does), and every other one a second time.</summary>
    private sealed class StripeDeliveries(CityPassHost host, DateTime giveUp)
    {
        private readonly List<Task> _sent = [];
        private int _count;
        public int Deliveries;
        public int Refused;

        public void Deliver(string json)
        {
            var twice = _count++ % 2 == 0; // Stripe may deliver an event twice
            _sent.Add(Task.Run(async () =>
            {
                await DeliverOnceAccepted(json, giveUp);
                if (twice)
                    await DeliverOnceAccepted(json, giveUp);
            }));
        }

        public Task AllAccepted() => Task.WhenAll(_sent);

        private async Task DeliverOnceAccepted(string json, DateTime giveUp)
        {
            while (true)
            {
                Interlocked.Increment(ref Deliveries);
                try
                {
                    // Signed anew at each attempt, as Stripe does; Stripe gives up on a delivery after a while too.
                    using var response = await host.PostStripeEvent(json).WaitAsync(TimeSpan.FromSeconds(10));
                    if (response.IsSuccessStatusCode)
                        return;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException)
                {
                }
                Interlocked.Increment(ref Refused);
                if (DateTime.UtcNow > giveUp)
                    throw new TimeoutException("A webhook was never accepted.");
                await Task.Delay(300);
            }
        }
    }
}
