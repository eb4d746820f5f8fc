using CityPass.Host.Taps;
using CityPass.Contracts.Terminals;
using MassTransit;

namespace CityPass.Host.Infrastructure;

public static class MessagingSetup
{
    public static IServiceCollection AddCityPassMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        var rabbit = configuration.RabbitMqUri();
        var terminals = configuration.GetSection("Terminals").Get<TerminalOptions>() ?? new TerminalOptions();
        var broker = configuration.RabbitMqOptions();
        var nodes = broker.Nodes(rabbit);

        services.AddSingleton<Schemes.SchemeCache>();
        services.AddSingleton<TapAuthorizer>();
        services.AddSingleton<TapBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<TapBatcher>());
        services.AddSingleton<Taps.Offline.OfflineTapIngestor>();
        services.AddMassTransit(bus =>
        {
            bus.AddConsumer<AuthorizeTapConsumer>();
            bus.AddConsumer<Taps.Offline.UploadOfflineTapsConsumer>();
            bus.AddConsumer<Terminals.TerminalHeartbeatConsumer>();
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(rabbit, h =>
                {
                    // Publish and Send complete only once the broker has taken the message (MassTransit's default, made
                    // explicit: the deny-list relay moves its cursor on it). Queues and exchanges are durable and
                    // messages persistent (MassTransit's defaults too), so both survive a broker restart.
                    h.PublisherConfirmation = true;
                    // One node: the connection string's. Several: each connection attempt takes the next node in turn.
                    if (nodes.Count > 1)
                        h.UseCluster(c =>
                        {
                            foreach (var (host, port) in nodes)
                                c.Node(port is null ? host : $"{host}:{port}");
                        });
                });
                cfg.ConfigureJsonSerializerOptions(Json.Configure);
                cfg.UseConsumeFilter(typeof(Operations.Telemetry.LogScopeFilter<>), context);
                // Terminals bind their own queue to this fanout exchange (docs/terminal-protocol.md); DenyListRelay publishes
                // on it with a channel of its own, this names it should anything publish it through the bus.
                cfg.Message<DenyListChanged>(m => m.SetEntityName(TerminalQueues.DenyList));
                cfg.ReceiveEndpoint(terminals.TapQueue, endpoint =>
                {
                    Declare(endpoint, broker);
                    endpoint.PrefetchCount = terminals.ConcurrentTaps;
                    endpoint.ConcurrentMessageLimit = terminals.ConcurrentTaps;
                    // Transient faults (a dropped database connection) are retried; what still fails goes to <queue>_error.
                    endpoint.UseMessageRetry(r => r.Intervals(50, 250, 1000));
                    endpoint.ConfigureConsumer<AuthorizeTapConsumer>(context);
                });
                cfg.ReceiveEndpoint(terminals.OfflineTapQueue, endpoint =>
                {
                    Declare(endpoint, broker);
                    // Batches of up to 1,000 taps: a few at a time, each in one transaction.
                    endpoint.PrefetchCount = 4;
                    endpoint.UseMessageRetry(r =>
                    {
                        r.Ignore<Taps.Offline.InvalidOfflineBatchException>();
                        r.Intervals(100, 500, 2000);
                    });
                    endpoint.ConfigureConsumer<Taps.Offline.UploadOfflineTapsConsumer>(context);
                });
                cfg.ReceiveEndpoint(terminals.HeartbeatQueue, endpoint =>
                {
                    Declare(endpoint, broker);
                    endpoint.PrefetchCount = 16;
                    endpoint.ConfigureConsumer<Terminals.TerminalHeartbeatConsumer>(context);
                });
            });
        });
        return services;
    }

    /// <summary>
    /// Quorum queues when configured (MassTransit declares the endpoint's <c>_error</c> queue with the same arguments:
    /// the cluster test checks it); otherwise classic durable queues, as always.
    /// </summary>
    private static void Declare(IRabbitMqReceiveEndpointConfigurator endpoint, RabbitMqOptions broker)
    {
        if (broker.QuorumQueues)
            endpoint.SetQuorumQueue();
    }
}
