using CityPass.Domain;

namespace CityPass.Host.Infrastructure;

/// <summary>Section <c>Ledger</c>: the money ceilings the scheme accepts.</summary>
public sealed class LedgerOptions
{
    public long MaxLoadCents { get; set; } = MoneyLimits.Default.MaxLoad.Cents;
    public long MaxFareCents { get; set; } = MoneyLimits.Default.MaxFare.Cents;
    public long MaxBalanceCents { get; set; } = MoneyLimits.Default.MaxBalance.Cents;

    public MoneyLimits ToLimits() =>
        new(Money.FromCents(MaxLoadCents), Money.FromCents(MaxFareCents), Money.FromCents(MaxBalanceCents));
}

/// <summary>Section <c>Terminals</c>: where terminals send their requests.</summary>
public sealed class TerminalOptions
{
    public string TapQueue { get; set; } = CityPass.Contracts.Terminals.TerminalQueues.Taps;

    public string OfflineTapQueue { get; set; } = CityPass.Contracts.Terminals.TerminalQueues.OfflineTaps;

    public string HeartbeatQueue { get; set; } = CityPass.Contracts.Terminals.TerminalQueues.Heartbeats;

    /// <summary>A terminal not heard from for this long is listed as silent.</summary>
    public int SilentAfterSeconds { get; set; } = 300;

    /// <summary>Terminals running an older software version are listed as out of date (empty: no minimum).</summary>
    public string MinimumSoftwareVersion { get; set; } = "";

    /// <summary>Taps a host takes from the queue at once (they are decided in batches); more instances add their own.</summary>
    public int ConcurrentTaps { get; set; } = 128;

    /// <summary>
    /// Tap batches decided and committed at once, each writer taking the taps of its own cards (by UID). Default: one per
    /// two cores; a writer keeps about a core busy (the host's share and PostgreSQL's), and on two cores shared with the
    /// broker and the database one writer with larger batches did more taps than two (docs/performance.md).
    /// </summary>
    public int TapWriters { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>How far an online tap's terminal time may be from the server's before it is refused as stale.</summary>
    public int MaxClockSkewSeconds { get; set; } = 120;
}

/// <summary>Section <c>Marten</c>.</summary>
public sealed class MartenSettings
{
    public string Schema { get; set; } = "citypass";
}

/// <summary>
/// Section <c>RabbitMq</c>: a cluster instead of one node (docs/operations.md, Scaling). The default, one node of
/// <c>ConnectionStrings:RabbitMq</c> and classic durable queues, is what every setting here leaves alone.
/// </summary>
public sealed class RabbitMqOptions
{
    /// <summary>
    /// The cluster's other nodes, <c>host</c> or <c>host:port</c> separated by commas. The host connects to the node of
    /// <c>ConnectionStrings:RabbitMq</c> first and, when that connection fails, to the next node in turn (user,
    /// password and virtual host are the connection string's).
    /// </summary>
    public string ClusterNodes { get; set; } = "";

    /// <summary>
    /// Declare the host's receive endpoints (taps, offline taps, heartbeats, and their <c>_error</c> queues) as quorum
    /// queues, replicated on the cluster's nodes. A queue that already exists as a classic queue is
    /// not converted: the declaration fails (PRECONDITION_FAILED); see docs/operations.md for the migration.
    /// </summary>
    public bool QuorumQueues { get; set; }

    /// <summary>The nodes to connect to, in order: the connection string's node, then <see cref="ClusterNodes"/>.</summary>
    public IReadOnlyList<(string Host, int? Port)> Nodes(Uri connectionString)
    {
        var nodes = new List<(string, int?)> { (connectionString.Host, connectionString.Port > 0 ? connectionString.Port : null) };
        foreach (var node in ClusterNodes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = node.Split(':');
            nodes.Add(parts.Length switch
            {
                1 => (parts[0], null),
                2 when int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 => (parts[0], port),
                _ => throw new InvalidOperationException($"RabbitMq:ClusterNodes: '{node}' is neither host nor host:port."),
            });
        }
        return nodes;
    }
}
