using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CityPass.IntegrationTests.Operations.Restarts;

/// <summary>Runs the server tools and says loudly why one failed (its output, and the server's log when it has one).</summary>
internal static class Tool
{
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null,
        TimeSpan? timeout = null, string? logToShow = null)
    {
        var start = new ProcessStartInfo(file);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        ProcessResult result;
        try
        {
            result = await Processes.Run(start, timeout ?? TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException($"{e.Message}{Tail(logToShow)}", e);
        }
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{Processes.Describe(start)} failed with exit code {result.ExitCode}: {result.All.Trim()}{Tail(logToShow)}");
        return result.All;
    }

    /// <summary>The end of a log file (a server's reason for not starting is there), or nothing.</summary>
    public static string Tail(string? path)
    {
        if (path is null)
            return "";
        var files = Directory.Exists(path) ? Directory.GetFiles(path, "*.log") : File.Exists(path) ? [path] : [];
        var text = new StringBuilder();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n--- last lines of {file}:\n").AppendJoin('\n', lines.Skip(Math.Max(0, lines.Length - 30)));
        }
        return text.ToString();
    }

    /// <summary>A TCP port nothing listens on now (the kernel's choice, so not one of the fixed ports other tests use).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Whether the process runs (a zombie, dead but not yet reaped, does not).</summary>
    public static bool Alive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // gone
        }
    }
}

/// <summary>
/// A PostgreSQL 15 of the test's own: initdb into a temporary folder (as the <c>postgres</c> user, which PostgreSQL
/// requires), its own port, started, stopped the hard way (<c>-m immediate</c>: no shutdown checkpoint, crash recovery at
/// the next start) and started again on the same data. Never the shared instance on 5433.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private const string Password = "citypass-restarts";
    private readonly string _dir;

    private PrivatePostgres(string dir, int port)
    {
        (_dir, Port) = (dir, port);
    }

    public int Port { get; }

    public string ConnectionString =>
        $"Host=127.0.0.1;Port={Port};Database=postgres;Username=postgres;Password={Password};Maximum Pool Size=60;Timeout=5";

    private string Data => Path.Combine(_dir, "data");
    private string Log => Path.Combine(_dir, "server.log");

    public static async Task<PrivatePostgres> StartAsync(string run)
    {
        if (!File.Exists($"{Bin}/initdb"))
            throw new InvalidOperationException($"PostgreSQL 15's server binaries are not in {Bin} (apt-get install postgresql-15).");
        var dir = Path.Combine(Path.GetTempPath(), $"citypass-restart-pg-{run}");
        var server = new PrivatePostgres(dir, Tool.FreePort());
        try
        {
            Directory.CreateDirectory(dir);
            await Tool.RunAsync("chown", ["postgres:postgres", dir]);
            await Tool.RunAsync("chmod", ["700", dir]);
            var passwordFile = Path.Combine(dir, "pw");
            await File.WriteAllTextAsync(passwordFile, Password + "\n");
            await Tool.RunAsync("chown", ["postgres", passwordFile]);
            await server.AsPostgres($"{Bin}/initdb -D {server.Data} -U postgres --pwfile={passwordFile} --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync");
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server on its data folder (first start, or after <see cref="StopImmediatelyAsync"/>).</summary>
    public Task StartAgainAsync() =>
        AsPostgres($"{Bin}/pg_ctl -D {Data} -l {Log} -w -t 60 -o '-p {Port} -c listen_addresses=127.0.0.1 -k {_dir} -c fsync=off -c max_connections=200' start");

    public bool Running => File.Exists(Path.Combine(Data, "postmaster.pid"));

    /// <summary>As a power cut for the clients: every backend killed, no checkpoint; the next start replays the WAL.</summary>
    public Task StopImmediatelyAsync() => AsPostgres($"{Bin}/pg_ctl -D {Data} -m immediate -w -t 60 stop");

    private Task<string> AsPostgres(string command) => Tool.RunAsync("su", ["postgres", "-s", "/bin/sh", "-c", command], logToShow: Log);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Running)
                await StopImmediatelyAsync();
        }
        finally
        {
            if (Directory.Exists(_dir))
                Directory.Delete(_dir, recursive: true);
        }
    }
}

/// <summary>
/// A RabbitMQ node of the test's own (node name <c>citypass-restart-&lt;run&gt;@localhost</c>, AMQP and distribution ports
/// chosen free, mnesia and logs in a temporary folder), started detached. <see cref="KillAsync"/> is <c>kill -9</c> of the
/// node's Erlang VM (its OS pid from the node's pid file); <see cref="StartAgainAsync"/> restarts it on the same mnesia
/// folder, so durable exchanges, queues, bindings and persistent messages come back. Never the shared rabbit@localhost.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";
    private readonly string _dir;
    private readonly string _node;
    private readonly int _distPort;

    private PrivateRabbitMq(string dir, string node, int port, int distPort)
    {
        (_dir, _node, Port, _distPort) = (dir, node, port, distPort);
    }

    public int Port { get; }

    public string Uri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    private string PidFile => Path.Combine(_dir, "mnesia", _node + ".pid");
    private string Logs => Path.Combine(_dir, "log");

    public static async Task<PrivateRabbitMq> StartAsync(string run)
    {
        if (!File.Exists($"{Bin}/rabbitmq-server"))
            throw new InvalidOperationException($"RabbitMQ is not installed in {Bin} (apt-get install rabbitmq-server).");
        var dir = Path.Combine(Path.GetTempPath(), $"citypass-restart-rmq-{run}");
        var port = Tool.FreePort();
        var distPort = Tool.FreePort();
        while (distPort == port)
            distPort = Tool.FreePort();
        var server = new PrivateRabbitMq(dir, $"citypass-restart-{run}@localhost", port, distPort);
        try
        {
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{port}\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "enabled_plugins"), "[].\n");
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private Dictionary<string, string> Environment => new()
    {
        ["HOME"] = _dir,
        ["RABBITMQ_NODENAME"] = _node,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RABBITMQ_DIST_PORT"] = _distPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_dir, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Logs,
        ["RABBITMQ_PID_FILE"] = PidFile,
        ["RABBITMQ_CONF_ENV_FILE"] = "/dev/null",
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_dir, "rabbitmq.conf"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_dir, "enabled_plugins"),
        ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
    };

    /// <summary>Starts the node detached and waits until it accepts AMQP connections (a few seconds).</summary>
    public async Task StartAgainAsync()
    {
        if (File.Exists(PidFile))
            File.Delete(PidFile); // a killed node's: `wait` must read the new one
        await Tool.RunAsync($"{Bin}/rabbitmq-server", ["-detached"], Environment, logToShow: Logs);
        for (var attempt = 0; !File.Exists(PidFile); attempt++)
        {
            if (attempt == 300)
                throw new InvalidOperationException($"RabbitMQ node {_node} wrote no pid file in 30 s.{Tool.Tail(Logs)}");
            await Task.Delay(100);
        }
        await Tool.RunAsync($"{Bin}/rabbitmqctl", ["-q", "wait", "--timeout", "60", PidFile], Environment, TimeSpan.FromSeconds(75), Logs);
    }

    public bool Running => File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) && Tool.Alive(pid);

    /// <summary><c>kill -9</c> of the node's Erlang VM: no goodbye to clients, no clean shutdown of the message store.</summary>
    public async Task KillAsync()
    {
        var pid = int.Parse((await File.ReadAllTextAsync(PidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await Tool.RunAsync("kill", ["-9", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        for (var attempt = 0; Tool.Alive(pid); attempt++)
        {
            if (attempt == 100)
                throw new InvalidOperationException($"RabbitMQ's VM (pid {pid}) survived kill -9 for 10 s.");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Running)
                await KillAsync(); // nothing of it is kept: no need for a clean shutdown
        }
        finally
        {
            if (Directory.Exists(_dir))
                Directory.Delete(_dir, recursive: true);
        }
    }
}
