using JasperFx.Events.Projections;

namespace CityPass.Host.Schemes;

/// <summary>The scheme (catalogue, tariffs, terminals, settings): one stream folded into one document, read by every tap.</summary>
public static class SchemesSetup
{
    public static IServiceCollection AddCityPassSchemes(this IServiceCollection services)
    {
        services.AddSingleton<SchemeCache>();
        services.ConfigureMarten(o => o.Projections.Add<SchemeProjection>(ProjectionLifecycle.Inline));
        return services;
    }

    /// <summary>The scheme's administration (administrators); the venues' public list is <see cref="ReadScheme.MapPublicVenues"/>.</summary>
    public static void MapSchemes(this IEndpointRouteBuilder app)
    {
        app.MapReadScheme();
        app.MapChangeScheme();
    }
}
