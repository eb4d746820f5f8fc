using RabbitMQ.Client;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// Connections of the host's own RabbitMQ.Client users (deny-list relay, failed messages, queue depths) to the broker
/// the bus uses: the node of <c>ConnectionStrings:RabbitMq</c>, or with <c>RabbitMq:ClusterNodes</c> the first node of
/// the cluster that answers.
/// </summary>
public static class BrokerConnections
{
    /// <summary><c>ConnectionStrings:RabbitMq</c>: the broker the bus and the host's own connections use.</summary>
    public static Uri RabbitMqUri(this IConfiguration configuration) => new(configuration.GetConnectionString("RabbitMq")
        ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is not configured."));

    /// <summary>Section <c>RabbitMq</c> (a cluster, quorum queues), its defaults when absent.</summary>
    public static RabbitMqOptions RabbitMqOptions(this IConfiguration configuration) =>
        configuration.GetSection("RabbitMq").Get<RabbitMqOptions>() ?? new RabbitMqOptions();

    public static Task<IConnection> ConnectToBrokerAsync(
        this IConfiguration configuration, string clientName, CancellationToken ct, Action<ConnectionFactory>? configure = null)
    {
        var broker = configuration.RabbitMqUri();
        var nodes = configuration.RabbitMqOptions().Nodes(broker);
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = clientName };
        configure?.Invoke(factory);
        return nodes.Count == 1
            ? factory.CreateConnectionAsync(ct)
            : factory.CreateConnectionAsync(nodes.Select(n => new AmqpTcpEndpoint(n.Host, n.Port ?? AmqpTcpEndpoint.UseDefaultPort, factory.Ssl)).ToList(), ct);
    }
}
