namespace CityPass.Benchmarks;

/// <summary>
/// CPU time spent by this process (host and terminals), PostgreSQL and RabbitMQ between two readings of /proc, so that a
/// figure says where the cores went, not only how long a run took. Wall-clock figures on a 2-core machine move with
/// whatever else runs; CPU milliseconds per request move much less.
/// </summary>
public sealed class CpuMeter
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Dictionary<int, (string Group, long Ticks)> _start;
    private readonly long _machineStart;
    private readonly long _idleStart;

    private CpuMeter()
    {
        _start = Read();
        (_machineStart, _idleStart) = Machine();
    }

    public static CpuMeter Start() => new();

    /// <summary>CPU milliseconds per request of each group (<c>citypass</c>, <c>postgres</c>, <c>rabbitmq</c>) and the machine's busy share.</summary>
    public IReadOnlyDictionary<string, double> PerRequest(int requests)
    {
        // Per process: one that started during the run counts from zero; one that ended is lost (an underestimate).
        var spent = new Dictionary<string, long> { ["citypass"] = 0, ["postgres"] = 0, ["rabbitmq"] = 0 };
        foreach (var (pid, (group, ticks)) in Read())
            spent[group] += ticks - (_start.TryGetValue(pid, out var before) ? before.Ticks : 0);
        var result = new Dictionary<string, double>();
        foreach (var (group, ticks) in spent)
            result[group] = Math.Round(ticks / TicksPerSecond * 1000 / Math.Max(1, requests), 3);
        var (machine, idle) = Machine();
        result["machine_busy"] = machine == _machineStart ? 0 : Math.Round(1 - (double)(idle - _idleStart) / (machine - _machineStart), 2);
        return result;
    }

    private static Dictionary<int, (string Group, long Ticks)> Read()
    {
        var processes = new Dictionary<int, (string, long)>();
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17): comm may hold spaces, so split after its
            // closing parenthesis. A PostgreSQL backend that exits during a run moves its time to the postmaster's cutime.
            var close = stat.LastIndexOf(')');
            var comm = stat[(stat.IndexOf('(') + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[14], System.Globalization.CultureInfo.InvariantCulture);
            var group = pid == self ? "citypass" : comm == "postgres" ? "postgres" : comm == "beam.smp" ? "rabbitmq" : null;
            if (group is not null)
                processes[pid] = (group, ticks);
        }
        return processes;
    }

    private static (long Total, long Idle) Machine()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return (cpu.Sum(), cpu[3] + cpu[4]);
    }
}
