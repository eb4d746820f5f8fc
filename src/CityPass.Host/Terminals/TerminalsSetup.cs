using CityPass.Contracts.Terminals;
using JasperFx.Events.Projections;
using MassTransit;

namespace CityPass.Host.Terminals;

/// <summary>
/// Terminals: their options and keys, signature and cryptogram checks, security incidents, heartbeats and health, and the
/// deny list (its projection, the session listener that refuses a commit that forgot it, and the outbox relay).
/// </summary>
public static class TerminalsSetup
{
    public static IServiceCollection AddCityPassTerminals(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<TerminalOptions>(configuration.GetSection("Terminals"));
        services.AddSingleton(sp => new KeyRing(configuration.GetSection("Keys").Get<KeyOptions>() ?? new KeyOptions(), sp.GetRequiredService<IClock>()));
        services.Configure<PersonalisationOptions>(configuration.GetSection("Personalisation"));
        services.AddSingleton<TapVerifier>();
        services.AddSingleton(sp => new DenyListSigner(configuration["Keys:DenyListSigning"]));
        services.AddTerminalAuthentication();
        services.AddSingleton<BrokerAccounts>();
        services.AddSingleton<IncidentLog>();
        services.ConfigureMarten(o =>
        {
            o.Schema.For<SecurityIncident>();
            o.Projections.Add<DenyListProjection>(ProjectionLifecycle.Inline);
            o.Schema.For<DenyListRow>().Index(r => r.Version);
            o.Schema.For<TerminalStatus>();
            o.Schema.For<DenyListRelayState>();
            o.Schema.For<RekeyCounter>().UseOptimisticConcurrency(true);
        });
        services.AddSingleton<DenyListListener>();
        services.AddSingleton<DenyListRelay>();
        services.AddHostedServiceFor(HostRole.Background, sp => sp.GetRequiredService<DenyListRelay>());
        services.ConfigureMarten((sp, o) => o.Listeners.Add(sp.GetRequiredService<DenyListListener>()));

        services.AddCityPassConsumers(HostRole.Taps, bus => bus.AddConsumer<TerminalHeartbeatConsumer, TerminalHeartbeatConsumerDefinition>());
        // Terminals bind their own queue to this fanout exchange (docs/terminal-protocol.md); DenyListRelay publishes on it
        // with a channel of its own, this names it should anything publish it through the bus.
        services.ConfigureCityPassBus((_, cfg) => cfg.Message<DenyListChanged>(m => m.SetEntityName(TerminalQueues.DenyList)));
        return services;
    }

    /// <summary>Enrolment, keys and terminal health (administrators); the deny list terminals read needs their signature (<see cref="DenyListEndpoints.MapDenyList"/>).</summary>
    public static void MapTerminals(this IEndpointRouteBuilder app)
    {
        app.MapTerminalEnrolment();
        app.MapTerminalHealth();
    }
}
