using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Weasel.Core;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// The event store's core: connection, schema, JSON, stream identity, sessions, the async daemon. Each feature adds its
/// documents, projections and indexes with <c>services.ConfigureMarten</c> in its own setup.
/// </summary>
public static class MartenSetup
{
    public static IServiceCollection AddCityPassMarten(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = WithPreparedStatements(configuration.GetConnectionString("Marten")
            ?? throw new InvalidOperationException("ConnectionStrings:Marten is not configured."));
        var schema = configuration.GetSection("Marten").Get<MartenSettings>()?.Schema ?? new MartenSettings().Schema;

        var daemon = services.Roles().Has(HostRole.Background) ? DaemonMode.HotCold : DaemonMode.Disabled;
        services.AddMarten(options =>
            {
                options.Connection(connectionString);
                options.DatabaseSchemaName = schema;
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, json => Json.Configure(json));
                options.Events.StreamIdentity = StreamIdentity.AsGuid;
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            // Async projections run in one elected instance at a time among those with the background role; the others stand by.
            .AddAsyncDaemon(daemon);
        return services;
    }

    /// <summary>
    /// Npgsql's automatic preparation, unless the connection string sets it: the tap path sends the same few statements
    /// thousands of times a second, and PostgreSQL parsing and planning each again was a third of its CPU per tap
    /// (docs/performance.md). Statements used twice on a connection are prepared there and kept (up to 256).
    /// </summary>
    public static string WithPreparedStatements(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Sets(string key) => given.Keys.Cast<string>().Any(k => string.Equals(k.Replace(" ", ""), key, StringComparison.OrdinalIgnoreCase));
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!Sets("MaxAutoPrepare"))
            builder.MaxAutoPrepare = 256;
        if (!Sets("AutoPrepareMinUsages"))
            builder.AutoPrepareMinUsages = 2;
        return builder.ConnectionString;
    }
}
