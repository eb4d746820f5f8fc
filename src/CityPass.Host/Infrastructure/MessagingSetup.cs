using CityPass.Host.Taps;
using MassTransit;

namespace CityPass.Host.Infrastructure;

public static class MessagingSetup
{
    public static IServiceCollection AddCityPassMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        var rabbit = new Uri(configuration.GetConnectionString("RabbitMq")
            ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is not configured."));
        var terminals = configuration.GetSection("Terminals").Get<TerminalOptions>() ?? new TerminalOptions();

        services.AddSingleton<TapAuthorizer>();
        services.AddMassTransit(bus =>
        {
            bus.AddConsumer<AuthorizeTapConsumer>();
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(rabbit);
                cfg.ConfigureJsonSerializerOptions(Json.Configure);
                cfg.ReceiveEndpoint(terminals.TapQueue, endpoint =>
                {
                    endpoint.PrefetchCount = terminals.ConcurrentTaps;
                    endpoint.ConcurrentMessageLimit = terminals.ConcurrentTaps;
                    // Transient faults (a dropped database connection) are retried; what still fails goes to <queue>_error.
                    endpoint.UseMessageRetry(r => r.Intervals(50, 250, 1000));
                    endpoint.ConfigureConsumer<AuthorizeTapConsumer>(context);
                });
            });
        });
        return services;
    }
}
