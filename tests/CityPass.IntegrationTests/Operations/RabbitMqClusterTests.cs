using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CityPass.Contracts.Terminals;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
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
        var script = Path.Combine(RepositoryRoot(), "scripts", "rabbitmq-cluster.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"scripts/rabbitmq-cluster.sh {string.Join(' ', arguments)} did not finish in {timeout.TotalSeconds} s:\n{await errors}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"scripts/rabbitmq-cluster.sh {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}\n{await errors}");
        return await output;
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

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "rabbitmq-cluster.sh")))
                return dir.FullName;
        throw new InvalidOperationException($"scripts/rabbitmq-cluster.sh not found above {AppContext.BaseDirectory}.");
    }
}

public sealed record QueueReplicas(string Type, string Leader, string[] Members, string[] Online);

/// <summary>
/// Issue 9: a three-node RabbitMQ cluster on this machine, the host's queues as quorum queues, and the node that leads
/// the tap queue (and holds the host's connection) killed with SIGKILL while terminals tap. Terminals retry a tap with
/// the same sequence number until they get an answer. At the end every tap a terminal saw authorized is charged exactly
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

        var queues = await RabbitMqCluster.Queues(1);
        foreach (var queue in new[] { host.TapQueue, host.OfflineTapQueue, host.HeartbeatQueue })
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
        for (var t = 0; t < Terminals; t++)
        {
            cards.Add(await http.CardWithBalance(StartBalance));
            await host.Terminals.KeyAsync(Terminal(run, t), TestCity.Library);
        }

        // What each terminal saw: (terminal, sequence) -> the answer, and how many attempts it took.
        var answers = new ConcurrentDictionary<(int Terminal, int Sequence), (object Answer, int Attempts, bool AfterKill)>();
        var answered = 0;
        var killed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var killer = Task.Run(async () =>
        {
            while (Volatile.Read(ref answered) < KillAfterAnswers)
                await Task.Delay(20);
            output.WriteLine(await RabbitMqCluster.Run(TimeSpan.FromSeconds(30), "kill", victim.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            killed.SetResult(watch.Elapsed);
        });

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        async Task TapAll(int t)
        {
            for (var s = 1; s <= TapsPerTerminal; s++)
            {
                var tap = await host.Terminals.Tap(Terminal(run, t), s, cards[t].Uid, TestCity.Library, host.Clock.GetCurrentInstant());
                for (var attempt = 1; ; attempt++)
                {
                    var killedBefore = killed.Task.IsCompleted;
                    try
                    {
                        // A terminal's own patience, whatever the client library does while the broker is away.
                        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(4));
                        var response = await host.TapClient(timeoutSeconds: 3).GetResponse<TapAuthorized, TapDeclined>(tap, patience.Token)
                            .WaitAsync(TimeSpan.FromSeconds(5));
                        answers[(t, s)] = (response.Message, attempt, killedBefore);
                        Interlocked.Increment(ref answered);
                        break;
                    }
                    catch (Exception e) when (e is RequestTimeoutException or OperationCanceledException or TimeoutException or RequestFaultException
                                                  or RabbitMQ.Client.Exceptions.AlreadyClosedException or MassTransitException)
                    {
                        output.WriteLine($"terminal {t}, sequence {s}, attempt {attempt}: {e.GetType().Name} {e.Message}");
                        // No answer: a terminal sends the same tap (same sequence number) again until one comes.
                        if (DateTime.UtcNow > deadline)
                            throw new TimeoutException($"Terminal {t} got no answer for sequence {s} after {attempt} attempts: {e.GetType().Name}: {e.Message}", e);
                        await Task.Delay(250);
                    }
                }
                await Task.Delay(60);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Terminals).Select(TapAll));
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
            var mine = answers.Where(a => a.Key.Terminal == t).Select(a => a.Value.Answer).ToList();
            Assert.All(mine, a => Assert.IsType<TapAuthorized>(a));
            var authorized = mine.OfType<TapAuthorized>().ToList();
            Assert.Equal(TapsPerTerminal, authorized.Select(a => a.Sequence).Distinct().Count());

            var history = await http.History(cards[t].Id);
            var charges = history.Where(l => l.Kind == "charged").ToList();
            Assert.Equal(authorized.Count, charges.Count);
            Assert.All(charges, c => Assert.Equal(Terminal(run, t), c.TerminalId));
            var balance = (await http.Card(cards[t].Id)).BalanceCents;
            Assert.Equal(StartBalance - authorized.Sum(a => a.ChargedCents), balance);
            Assert.Equal(StartBalance - TapsPerTerminal * LibraryFare, balance);
            Assert.Equal(balance, history.Sum(l => l.AmountCents ?? 0));
            Assert.Equal(balance, authorized.MaxBy(a => a.Sequence)!.BalanceCents);
        }

        // The host is connected again (to a surviving node).
        await host.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
    }

    private static string Terminal(string run, int t) => $"cluster-{run}-{t}";
}
