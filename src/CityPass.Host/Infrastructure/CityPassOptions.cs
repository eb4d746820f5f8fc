namespace CityPass.Host.Infrastructure;

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
    /// Declare the host's receive endpoints (every consumer's queue and its <c>_error</c> queue) as quorum
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
