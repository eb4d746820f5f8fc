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
        // A card counter is accepted once per card; the terminal time is a column for compaction's index.
        services.ConfigureMarten(o =>
        {
            o.Schema.For<TapRecord>()
                .UniqueIndex(Marten.Schema.UniqueIndexType.Computed, "tap_card_counter", r => r.CardUid, r => r.CardCounter!)
                .Duplicate(r => r.TerminalTimeUnixMilliseconds);
            // Terminal and sequence are columns for gap reports, with one index on the two (a terminal's numbers above its
            // mark are one index range). Not Duplicate(): it gives each column an index of its own and ignores the columns a
            // configure callback sets (Marten's DocumentIndex.Columns setter does nothing), so until 2026-12-01 the
            // "(terminal_id, sequence)" index was an index on terminal_id alone, and one on sequence no query used.
            o.Policies.ForAllDocuments(mapping =>
            {
                if (mapping.DocumentType != typeof(TapRecord))
                    return;
                mapping.DuplicateField(nameof(TapRecord.TerminalId));
                mapping.DuplicateField(nameof(TapRecord.Sequence));
                mapping.AddIndex("terminal_id", "sequence");
            });
            o.Schema.For<SpentCounters>();
            o.Schema.For<TerminalSequences>();
        });
        services.AddSingleton<TapRecordCompaction>();
        services.AddHostedServiceFor(HostRole.Background, sp => sp.GetRequiredService<TapRecordCompaction>());
        return services;
    }
}
