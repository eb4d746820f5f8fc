using CityPass.Host.Taps.Offline;
using MassTransit;

namespace CityPass.Host.Taps;

/// <summary>Taps: online taps (consumer, batcher, authorizer), offline uploads, and the tap records both write.</summary>
public static class TapsSetup
{
    public static IServiceCollection AddCityPassTaps(this IServiceCollection services)
    {
        services.AddSingleton<TapAuthorizer>();
        services.AddSingleton<TapBatcher>();
        services.AddHostedServiceFor(HostRole.Taps, sp => sp.GetRequiredService<TapBatcher>());
        services.AddSingleton<OfflineTapIngestor>();
        services.AddCityPassConsumers(HostRole.Taps, bus =>
        {
            bus.AddConsumer<AuthorizeTapConsumer, AuthorizeTapConsumerDefinition>();
            bus.AddConsumer<UploadOfflineTapsConsumer, UploadOfflineTapsConsumerDefinition>();
        });
        // Every answer to a terminal is signed with its key on the way out, whichever code sends it.
        services.ConfigureCityPassBus((context, cfg) => cfg.UseSendFilter(typeof(AnswerSigningFilter<>), context));
        // A card counter is accepted once per card; terminal and sequence are columns for gap reports, indexed together
        // (a terminal's recent numbers are one index range); the terminal time is a column for compaction's index.
        services.ConfigureMarten(o =>
        {
            o.Schema.For<TapRecord>()
                .UniqueIndex(Marten.Schema.UniqueIndexType.Computed, "tap_card_counter", r => r.CardUid, r => r.CardCounter!)
                .Duplicate(r => r.TerminalId, configure: i => i.Columns = ["terminal_id", "sequence"])
                .Duplicate(r => r.Sequence)
                .Duplicate(r => r.TerminalTimeUnixMilliseconds);
            o.Schema.For<SpentCounters>();
            o.Schema.For<TerminalSequences>();
        });
        services.AddSingleton<TapRecordCompaction>();
        services.AddHostedServiceFor(HostRole.Background, sp => sp.GetRequiredService<TapRecordCompaction>());
        return services;
    }
}
