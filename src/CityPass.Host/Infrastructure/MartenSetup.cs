using CityPass.Domain.Cards;
using CityPass.Host.Cards;
using CityPass.Host.Schemes;
using CityPass.Host.Taps;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Weasel.Core;

namespace CityPass.Host.Infrastructure;

public static class MartenSetup
{
    public static IServiceCollection AddCityPassMarten(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = WithPreparedStatements(configuration.GetConnectionString("Marten")
            ?? throw new InvalidOperationException("ConnectionStrings:Marten is not configured."));
        var schema = configuration.GetSection("Marten").Get<MartenSettings>()?.Schema ?? new MartenSettings().Schema;

        services.AddMarten(options =>
            {
                options.Connection(connectionString);
                options.DatabaseSchemaName = schema;
                options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, json => Json.Configure(json));
                options.Events.StreamIdentity = StreamIdentity.AsGuid;

                // The card's state is an inline snapshot: a tap reads one row, whatever the length of the card's history.
                options.Projections.Add<CardProjection>(ProjectionLifecycle.Inline);
                options.Schema.For<Card>().UniqueIndex(c => c.Uid);
                options.Projections.Add<CardHistoryProjection>(ProjectionLifecycle.Inline);
                options.Schema.For<CardHistoryLine>().Index(l => l.CardId);

                // The scheme (catalogue, tariffs) is one stream folded into one document, read by every tap.
                options.Projections.Add<SchemeProjection>(ProjectionLifecycle.Inline);

                // A card counter is accepted once per card; terminal and sequence are columns for gap reports.
                options.Schema.For<TapRecord>()
                    .UniqueIndex(Marten.Schema.UniqueIndexType.Computed, "tap_card_counter", r => r.CardUid, r => r.CardCounter!)
                    .Duplicate(r => r.TerminalId)
                    .Duplicate(r => r.Sequence);
                options.Schema.For<Terminals.SecurityIncident>();
                options.Projections.Add<Terminals.DenyListProjection>(ProjectionLifecycle.Inline);
                options.Schema.For<Terminals.DenyListRow>().Index(r => r.Version);
                options.Schema.For<Terminals.TerminalStatus>();
                options.Schema.For<IdempotencyRecord>();
                options.Schema.For<Terminals.DenyListRelayState>();
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            // Async projections (finance) run in one elected instance at a time; the others stand by.
            .AddAsyncDaemon(DaemonMode.HotCold);
        services.AddSingleton<Terminals.DenyListListener>();
        services.AddSingleton<Terminals.DenyListRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<Terminals.DenyListRelay>());
        services.ConfigureMarten((sp, options) => options.Listeners.Add(sp.GetRequiredService<Terminals.DenyListListener>()));
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
