using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Host.Taps;
using CityPass.IntegrationTests.Cardholders;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Taps.Offline;

/// <summary>A host of its own (own schema, own clock): compaction deletes every record past the window, and these tests move time by weeks.</summary>
public sealed class RetentionHost : CityPassHost;

public class TapRecordCompactionTests(RetentionHost host) : IClassFixture<RetentionHost>
{
    private readonly HttpClient _http = host.CreateClient();

    /// <summary>Past the 35-day replay window (Terminals:OfflineUploadDays).</summary>
    private static readonly Duration PastTheWindow = Duration.FromDays(36);

    private async Task<OfflineTap> Honoured(string terminal, long sequence, string uid, string venue, Duration ago, long? counter = null)
    {
        var signed = await host.Terminals.Tap(terminal, sequence, uid, venue, host.Clock.GetCurrentInstant() - ago, counter);
        return new OfflineTap(signed.Sequence, signed.CardUid, signed.VenueId, signed.TerminalTime, signed.CardCounter, signed.Cryptogram, signed.Mac);
    }

    private async Task<object> Upload(string terminal, params OfflineTap[] taps) =>
        (await host.Services.GetRequiredService<IBus>()
            .CreateRequestClient<UploadOfflineTaps>(new Uri($"queue:{host.OfflineTapQueue}"), RequestTimeout.After(s: 60))
            .GetResponse<OfflineTapsAccepted, OfflineTapsRefused>(new UploadOfflineTaps(terminal, Guid.NewGuid(), taps.ToList()))).Message;

    private async Task<long> Compact() =>
        (await host.Services.GetRequiredService<TapRecordCompaction>().RunOnceAsync(CancellationToken.None))!.Value;

    private async Task<int> Records(string terminal)
    {
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.Query<TapRecord>().CountAsync(r => r.TerminalId == terminal);
    }

    /// <summary>Runs <paramref name="test"/> and puts the shared clock back, whatever happens.</summary>
    private async Task Meanwhile(Func<Task> test)
    {
        var was = host.Clock.GetCurrentInstant();
        try
        {
            await test();
        }
        finally
        {
            host.Clock.Reset(was);
        }
    }

    [Fact]
    public Task A_replayed_counter_is_still_refused_after_its_record_is_compacted() => Meanwhile(async () =>
    {
        var card = await _http.CardWithBalance(20_00);
        Assert.IsType<TapAuthorized>(await host.Decide(await host.Terminals.Tap("pool-retention-1", 1, card.Uid, TestCity.Pool, host.Clock.GetCurrentInstant(), 500)));

        host.Clock.Advance(PastTheWindow);
        Assert.True(await Compact() >= 1);
        Assert.Equal(0, await Records("pool-retention-1"));

        var now = host.Clock.GetCurrentInstant();
        var replayed = Assert.IsType<TapDeclined>(await host.Decide(await host.Terminals.Tap("pool-retention-1", 2, card.Uid, TestCity.Pool, now, 500)));
        var older = Assert.IsType<TapDeclined>(await host.Decide(await host.Terminals.Tap("pool-retention-1", 3, card.Uid, TestCity.Pool, now, 499)));
        Assert.Equal((TapDeclineReason.CardReplayed, TapDeclineReason.CardReplayed), (replayed.Reason, older.Reason));
        var offline = Assert.IsType<OfflineTapsAccepted>(await Upload("pool-retention-2", await Honoured("pool-retention-2", 1, card.Uid, TestCity.Pool, Duration.FromMinutes(5), 500)));
        Assert.Equal("card-replayed", Assert.Single(offline.Flagged).Reason);
        Assert.Equal(16_50, (await _http.Card(card.Id)).BalanceCents); // only the first tap was charged
        Assert.IsType<TapAuthorized>(await host.Decide(await host.Terminals.Tap("pool-retention-1", 4, card.Uid, TestCity.Pool, host.Clock.GetCurrentInstant(), 501)));
        Assert.Equal(0, await Compact()); // the taps within the window stay
        Assert.Equal(3, await Records("pool-retention-1"));
    });

    [Fact]
    public Task A_compacted_tap_uploaded_again_is_refused_whole_and_charges_nothing() => Meanwhile(async () =>
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Honoured("library-retention-1", 1, card.Uid, TestCity.Library, Duration.FromMinutes(10));
        Assert.Equal(1, Assert.IsType<OfflineTapsAccepted>(await Upload("library-retention-1", tap)).Recorded);

        host.Clock.Advance(PastTheWindow);
        Assert.True(await Compact() >= 1);
        var fresh = await Honoured("library-retention-1", 2, card.Uid, TestCity.Library, Duration.FromMinutes(1));
        var refused = Assert.IsType<OfflineTapsRefused>(await Upload("library-retention-1", tap, fresh));
        var overHttp = await _http.PostAsJsonAsync("/terminals/library-retention-1/offline-taps",
            new UploadOfflineTaps("library-retention-1", Guid.NewGuid(), [tap]), Api.Json);

        Assert.Equal(OfflineTapsRefused.InvalidRequest, refused.Reason);
        Assert.Contains("Tap 1: its terminal time is more than 35 days ago", refused.Message);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, overHttp.StatusCode);
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
        Assert.Equal(0, await Records("library-retention-1"));
    });

    [Fact]
    public Task Records_written_before_the_terminal_time_column_are_compacted_once_it_is_filled() => Meanwhile(async () =>
    {
        var card = await _http.CardWithBalance(10_00);
        Assert.Equal(1, Assert.IsType<OfflineTapsAccepted>(await Upload("library-retention-3",
            await Honoured("library-retention-3", 1, card.Uid, TestCity.Library, Duration.FromMinutes(10)))).Recorded);
        await using (var connection = new Npgsql.NpgsqlConnection(host.Postgres))
        {
            await connection.OpenAsync();
            await using var unset = new Npgsql.NpgsqlCommand(
                $"update {host.Schema}.mt_doc_taprecord set terminal_time_unix_milliseconds = null where terminal_id = 'library-retention-3'", connection);
            Assert.Equal(1, await unset.ExecuteNonQueryAsync());
        }

        host.Clock.Advance(PastTheWindow);
        await Compact();
        Assert.Equal(1, await Records("library-retention-3")); // not found by the index
        Assert.True(await TapRecordCompaction.FillTerminalTimesAsync(host.Postgres, host.Schema) >= 1);
        Assert.True(await Compact() >= 1);
        Assert.Equal(0, await Records("library-retention-3"));
    });

    [Fact]
    public Task A_terminals_gaps_after_compaction_leave_out_the_compacted_numbers() => Meanwhile(async () =>
    {
        var card = await _http.CardWithBalance(20_00);
        var first = Assert.IsType<OfflineTapsAccepted>(await Upload("library-retention-2",
            await Honoured("library-retention-2", 1, card.Uid, TestCity.Library, Duration.FromMinutes(30)),
            await Honoured("library-retention-2", 2, card.Uid, TestCity.Library, Duration.FromMinutes(29)),
            await Honoured("library-retention-2", 5, card.Uid, TestCity.Library, Duration.FromMinutes(28))));
        Assert.Equal([new SequenceGap(3, 4)], first.Gaps);

        host.Clock.Advance(PastTheWindow);
        Assert.True(await Compact() >= 3);
        var later = Assert.IsType<OfflineTapsAccepted>(await Upload("library-retention-2",
            await Honoured("library-retention-2", 10, card.Uid, TestCity.Library, Duration.FromMinutes(2)),
            await Honoured("library-retention-2", 11, card.Uid, TestCity.Library, Duration.FromMinutes(1))));
        // A number at or below the highest compacted one is taken as used: online it is a reused number.
        var reused = Assert.IsType<TapDeclined>(await host.Decide(await host.Terminals.Tap("library-retention-2", 4, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant())));

        Assert.Equal([new SequenceGap(6, 9)], later.Gaps);
        Assert.Equal(later.Gaps, await _http.GetFromJsonAsync<List<SequenceGap>>("/terminals/library-retention-2/gaps", Api.Json));
        Assert.Equal(TapDeclineReason.SequenceReused, reused.Reason);
        Assert.Equal(15_00, (await _http.Card(card.Id)).BalanceCents); // five library taps of 1.00
    });
}
