using MassTransit;

namespace CityPass.Host.Infrastructure;

/// <summary>A feature's part of the bus: its consumers (with their definitions) and what it sets on the bus itself.</summary>
internal sealed record BusPart(
    Action<IBusRegistrationConfigurator>? Register, Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? Configure);

/// <summary>
/// The one MassTransit bus over RabbitMQ: host, cluster, publisher confirms, JSON, quorum queues. Features add their
/// consumers (<see cref="AddCityPassConsumers"/>, each with a consumer definition naming its queue and its endpoint
/// settings) and their bus settings (<see cref="ConfigureCityPassBus"/>) before <see cref="AddCityPassMessaging"/> runs.
/// </summary>
public static class MessagingSetup
{
    public static IServiceCollection AddCityPassConsumers(this IServiceCollection services, Action<IBusRegistrationConfigurator> register) =>
        services.AddBusPart(new BusPart(register, null));

    /// <summary>Consumers of instances with <paramref name="role"/> (<see cref="HostRoles"/>): other instances do not consume their queues.</summary>
    public static IServiceCollection AddCityPassConsumers(this IServiceCollection services, HostRole role, Action<IBusRegistrationConfigurator> register) =>
        services.Roles().Has(role) ? services.AddCityPassConsumers(register) : services;

    public static IServiceCollection ConfigureCityPassBus(
        this IServiceCollection services, Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator> configure) =>
        services.AddBusPart(new BusPart(null, configure));

    private static IServiceCollection AddBusPart(this IServiceCollection services, BusPart part)
    {
        if (services.Any(d => d.ServiceType == typeof(IBusControl)))
            throw new InvalidOperationException("The bus is already built: features add their consumers before AddCityPassMessaging (Program.cs).");
        services.AddSingleton(part);
        return services;
    }

    public static IServiceCollection AddCityPassMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        var rabbit = configuration.RabbitMqUri();
        var broker = configuration.RabbitMqOptions();
        var nodes = broker.Nodes(rabbit);
        var parts = services.Where(d => d.ServiceType == typeof(BusPart)).Select(d => (BusPart)d.ImplementationInstance!).ToList();

        services.AddMassTransit(bus =>
        {
            // On by default in MassTransit 8.5, it reports the host (framework, OS, time zone) to the vendor's server:
            // nothing leaves a city's network that the city did not choose (and the city's hosts may have no route out).
            bus.DisableUsageTelemetry();
            foreach (var part in parts)
                part.Register?.Invoke(bus);
            // Quorum queues when configured (MassTransit declares the endpoint's _error queue with the same arguments:
            // the cluster test checks it); otherwise classic durable queues, as always.
            if (broker.QuorumQueues)
                bus.AddConfigureEndpointsCallback((_, endpoint) =>
                {
                    if (endpoint is IRabbitMqReceiveEndpointConfigurator queue)
                        queue.SetQuorumQueue();
                });
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
                BrokerReconnect.Apply(cfg);
                cfg.ConfigureJsonSerializerOptions(Json.Configure);
                foreach (var part in parts)
                    part.Configure?.Invoke(context, cfg);
                // One receive endpoint per consumer, named and set up by the consumer's definition.
                cfg.ConfigureEndpoints(context);
            });
        });
        return services;
    }
}
