using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityPass.TerminalSimulator;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace CityPass.IntegrationTests.Operations;

/// <summary>A host of its own against the three-node cluster of scripts/rabbitmq-cluster.sh, with quorum queues.</summary>
public sealed class ClusterCityPassHost() : CityPassHost(null, new TestBroker(
    $"amqp://guest:guest@127.0.0.1:{RabbitMqCluster.AmqpPort(1)}/",
    [$"127.0.0.1:{RabbitMqCluster.AmqpPort(2)}", $"127.0.0.1:{RabbitMqCluster.AmqpPort(3)}"],
    QuorumQueues: true, Discarded: true));

/// <summary>scripts/rabbitmq-cluster.sh, run by the tests: node N is citypass-cN@localhost on 127.0.0.1:(5680+N).</summary>
public static class RabbitMqCluster
{
    public static int AmqpPort(int node) => 5680 + node;

    public static string NodeName(int node) => $"citypass-c{node}@localhost";

    public static int NodeNumber(string name) =>
        Enumerable.Range(1, 3).Single(n => NodeName(n) == name);

    /// <summary>Runs the script; a failure throws with its whole output (the test fails with the reason, it never skips).</summary>
    public static async Task<string> Run(TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash");
        start.ArgumentList.Add(Path.Combine(Processes.Root, "scripts", "rabbitmq-cluster.sh"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var result = await Processes.Run(start, timeout);
        if (result.ExitCode != 0)
            throw new InvalidOperationException(
                $"scripts/rabbitmq-cluster.sh {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Output}\n{result.Errors}");
        return result.Output;
    }

    /// <summary>Type, leader, members and online members of every queue, as node <paramref name="askNode"/> of the cluster lists them.</summary>
    public static async Task<IReadOnlyDictionary<string, QueueReplicas>> Queues(int askNode)
    {
        var json = await Run(TimeSpan.FromSeconds(30), "ctl", askNode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-q", "list_queues", "name", "type", "leader", "members", "online", "--formatter", "json");
        static string[] Names(JsonElement e) => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(n => n.GetString()!).ToArray() : [];
        return JsonDocument.Parse(json).RootElement.EnumerateArray().ToDictionary(
            q => q.GetProperty("name").GetString()!,
            q => new QueueReplicas(q.GetProperty("type").GetString()!, q.GetProperty("leader").GetString() ?? "", Names(q.GetProperty("members")), Names(q.GetProperty("online"))));
    }
}

public sealed record QueueReplicas(string Type, string Leader, string[] Members, string[] Online);

/// <summary>
/// Issue 9: a three-node RabbitMQ cluster on this machine, the host's queues as quorum queues, and the node that leads
/// the tap queue (and holds the host's connection) killed with SIGKILL while terminals tap. Terminals (RabbitMQ.Client,
/// as a vendor's) retry a tap with the same sequence number, on a new connection to the next node, until they get an answer. At the end every tap a terminal saw authorized is charged exactly
/// once and every balance is the sum of its card's events. The test starts the cluster itself and deletes it at the end.
/// </summary>
public class RabbitMqClusterTests(ITestOutputHelper output)
{
    private const int Terminals = 4, TapsPerTerminal = 12, KillAfterAnswers = 14;
    private const long StartBalance = 30_00, LibraryFare = 1_00;

    [Fact]
    public async Task Quorum_queues_on_a_three_node_cluster_lose_and_double_no_tap_when_the_leader_node_is_killed()
    {
        var watch = Stopwatch.StartNew();
        try
        {
            output.WriteLine(await RabbitMqCluster.Run(TimeSpan.FromSeconds(150), "start"));
            output.WriteLine($"cluster up after {watch.Elapsed.TotalSeconds:F1} s");
            await RunScenario(watch);
        }
        finally
        {
            await RabbitMqCluster.Run(TimeSpan.FromSeconds(90), "clean");
            output.WriteLine($"cluster deleted after {watch.Elapsed.TotalSeconds:F1} s");
        }
    }

    private async Task RunScenario(Stopwatch watch)
    {
        var host = new ClusterCityPassHost();
        try
        {
            await host.InitializeAsync();
            output.WriteLine($"host up after {watch.Elapsed.TotalSeconds:F1} s");
            await Taps(host, watch);
        }
        finally
        {
            await host.DisposeAsync(); // drops the test's schema (the queues go with the cluster)
        }
    }

    private async Task Taps(CityPassHost host, Stopwatch watch)
    {
        var http = host.CreateClient();

        // A malformed tap goes to <queue>_error, which MassTransit declares with the tap queue's arguments: quorum too.
        await PoisonTheTapQueue(host);
        var queues = await RabbitMqCluster.Queues(1);
        foreach (var queue in new[] { host.TapQueue, host.OfflineTapQueue, host.HeartbeatQueue, host.TapQueue + "_error" })
        {
            Assert.True(queues.ContainsKey(queue), $"{queue} is not in the cluster's queues: {string.Join(", ", queues.Keys)}");
            Assert.Equal("quorum", queues[queue].Type);
            Assert.Equal(3, queues[queue].Members.Length); // RabbitMQ's default replication factor: 3 (or fewer nodes)
        }
        var before = queues[host.TapQueue];
        var victim = RabbitMqCluster.NodeNumber(before.Leader);
        output.WriteLine($"tap queue leader: {before.Leader}; members: {string.Join(", ", before.Members)}; host connected to node 1 first");

        var run = Guid.NewGuid().ToString("N")[..8];
        var cards = new List<Host.Cards.CardView>();
        var chips = new List<CardChip>();
        var keys = new List<byte[]>();
        for (var t = 0; t < Terminals; t++)
        {
            cards.Add(await http.CardWithBalance(StartBalance));
            chips.Add(await host.Terminals.ChipAsync(cards[t].Uid));
            keys.Add(await host.Terminals.KeyAsync(Terminal(run, t), TestCity.Library));
        }

        // What each terminal saw: (terminal, sequence) -> the reply, how many attempts it took, whether the node was already dead.
        var answers = new ConcurrentDictionary<(int Terminal, int Sequence), (JsonObject Reply, int Attempts, bool AfterKill)>();
        var answered = 0;
        var killed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var terminalsFailed = new CancellationTokenSource();
        var killer = Task.Run(async () =>
        {
            while (Volatile.Read(ref answered) < KillAfterAnswers)
                await Task.Delay(20, terminalsFailed.Token);
            output.WriteLine(await RabbitMqCluster.Run(TimeSpan.FromSeconds(30), "kill", victim.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            killed.SetResult(watch.Elapsed);
        });

        // Terminals as a vendor builds them (RabbitMQ.Client alone, contracts/README.md), terminal t first on node t % 3 + 1.
        // No answer in 3 s: the terminal sends the same tap (same sequence number) again, on a new connection to the next node.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        async Task TapAll(int t)
        {
            var node = t % 3;
            RawTerminal? terminal = null;
            try
            {
                for (var s = 1; s <= TapsPerTerminal; s++)
                {
                    var (counter, cryptogram) = chips[t].Authenticate(Terminal(run, t), s);
                    var tap = RawTerminal.TapMessage(keys[t], Terminal(run, t), s, cards[t].Uid, TestCity.Library,
                        host.Clock.GetCurrentInstant().ToDateTimeOffset(), counter, cryptogram);
                    for (var attempt = 1; ; attempt++)
                    {
                        var killedBefore = killed.Task.IsCompleted;
                        try
                        {
                            terminal ??= await RawTerminal.ConnectAsync(new Uri($"amqp://guest:guest@127.0.0.1:{RabbitMqCluster.AmqpPort(node + 1)}/"), Terminal(run, t))
                                .WaitAsync(TimeSpan.FromSeconds(5));
                            var reply = await terminal.RequestAsync(host.TapQueue, "AuthorizeTap", tap.DeepClone().AsObject(), TimeSpan.FromSeconds(3));
                            answers[(t, s)] = (reply, attempt, killedBefore);
                            Interlocked.Increment(ref answered);
                            break;
                        }
                        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException
                                                      or RabbitMQ.Client.Exceptions.RabbitMQClientException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
                        {
                            output.WriteLine($"terminal {t} on node {node + 1}, sequence {s}, attempt {attempt}: {e.GetType().Name} {e.Message}");
                            if (DateTime.UtcNow > deadline)
                                throw new TimeoutException($"Terminal {t} got no answer for sequence {s} after {attempt} attempts: {e.GetType().Name}: {e.Message}", e);
                            await Dispose(terminal);
                            terminal = null;
                            node = (node + 1) % 3;
                            await Task.Delay(200);
                        }
                    }
                    await Task.Delay(60);
                }
            }
            finally
            {
                await Dispose(terminal);
            }
        }
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Terminals).Select(TapAll));
        }
        catch
        {
            await terminalsFailed.CancelAsync(); // the node is not killed after all
            throw;
        }
        await killer;
        var killedAt = await killed.Task;

        var retried = answers.Values.Count(a => a.Attempts > 1);
        output.WriteLine($"node {victim} killed at {killedAt.TotalSeconds:F1} s; {answers.Count} taps answered, {answers.Values.Count(a => a.AfterKill)} after the kill, {retried} needed more than one attempt (most: {answers.Values.Max(a => a.Attempts)}); done at {watch.Elapsed.TotalSeconds:F1} s");

        // The tap queue lives on: still a quorum queue, led by a surviving node, with the dead node's replica offline.
        var survivor = victim == 1 ? 2 : 1;
        var after = (await RabbitMqCluster.Queues(survivor))[host.TapQueue];
        output.WriteLine($"tap queue leader after the kill: {after.Leader}; online: {string.Join(", ", after.Online)}");
        Assert.Equal("quorum", after.Type);
        Assert.NotEqual(RabbitMqCluster.NodeName(victim), after.Leader);
        Assert.DoesNotContain(RabbitMqCluster.NodeName(victim), after.Online);
        Assert.Equal(3, after.Members.Length);
        Assert.True(answers.Values.Count(a => a.AfterKill) >= Terminals, "the terminals kept tapping after the kill");

        // Every tap got an answer; each one a terminal saw authorized is one charge, none lost, none twice.
        Assert.Equal(Terminals * TapsPerTerminal, answers.Count);
        for (var t = 0; t < Terminals; t++)
        {
            var replies = answers.Where(a => a.Key.Terminal == t).Select(a => a.Value.Reply).ToList();
            Assert.All(replies, r => Assert.True(RawTerminal.IsAuthorized(r), RawTerminal.Describe(r)));
            var authorized = replies.Select(r => r["message"]!).ToList();
            Assert.Equal(TapsPerTerminal, authorized.Select(a => a["sequence"]!.GetValue<long>()).Distinct().Count());

            var history = await http.History(cards[t].Id);
            var charges = history.Where(l => l.Kind == "charged").ToList();
            Assert.Equal(authorized.Count, charges.Count);
            Assert.All(charges, c => Assert.Equal(Terminal(run, t), c.TerminalId));
            var balance = (await http.Card(cards[t].Id)).BalanceCents;
            Assert.Equal(StartBalance - authorized.Sum(a => a["chargedCents"]!.GetValue<long>()), balance);
            Assert.Equal(StartBalance - TapsPerTerminal * LibraryFare, balance);
            Assert.Equal(balance, history.Sum(l => l.AmountCents ?? 0));
            Assert.Equal(balance, authorized.MaxBy(a => a["sequence"]!.GetValue<long>())!["balanceCents"]!.GetValue<long>());
        }

        // The host is connected again (to a surviving node).
        await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
    }

    private static string Terminal(string run, int t) => $"cluster-{run}-{t}";

    private static async Task Dispose(RawTerminal? terminal)
    {
        try
        {
            if (terminal is not null)
                await terminal.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is TimeoutException or IOException or RabbitMQ.Client.Exceptions.RabbitMQClientException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // the connection was already gone with its node
        }
    }

    private static async Task PoisonTheTapQueue(CityPassHost host)
    {
        await using var connection = await host.Broker.ConnectAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent };
            await channel.BasicPublishAsync("", host.TapQueue, mandatory: false, properties, "{\"message\": {"u8.ToArray());
        }
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await using var channel = await connection.CreateChannelAsync();
                return (await channel.QueueDeclarePassiveAsync(host.TapQueue + "_error")).MessageCount == 1;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                return false; // not declared yet (a passive declare of a missing queue closes the channel)
            }
        }, "the malformed tap in the error queue");
    }
}
