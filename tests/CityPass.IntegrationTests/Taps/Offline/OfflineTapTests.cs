using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Cards;
using CityPass.Host.Cards;
using CityPass.Host.Taps;
using CityPass.Host.Terminals;
using CityPass.IntegrationTests.Cardholders;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Taps.Offline;

[Collection(CityPassCollection.Name)]
public class OfflineTapTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    /// <summary>A tap honoured offline by <paramref name="terminal"/> some minutes ago, signed when it happened.</summary>
    private async Task<OfflineTap> Honoured(string terminal, long sequence, string uid, string venue, Duration ago, long? counter = null)
    {
        var signed = await host.Terminals.Tap(terminal, sequence, uid, venue, host.Clock.GetCurrentInstant() - ago, counter);
        return new OfflineTap(signed.Sequence, signed.CardUid, signed.VenueId, signed.TerminalTime, signed.CardCounter, signed.Cryptogram, signed.Mac);
    }

    private async Task<OfflineTapsAccepted> Upload(string terminal, IEnumerable<OfflineTap> taps)
    {
        var response = await host.Services.GetRequiredService<IBus>()
            .CreateRequestClient<UploadOfflineTaps>(new Uri($"queue:{host.OfflineTapQueue}"), RequestTimeout.After(s: 60))
            .GetResponse<OfflineTapsAccepted>(new UploadOfflineTaps(terminal, Guid.NewGuid(), taps.ToList()));
        return response.Message;
    }

    private async Task<List<TapRecord>> Recorded(string terminal)
    {
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.Query<TapRecord>().Where(r => r.TerminalId == terminal).ToListAsync()).ToList();
    }

    [Fact]
    public async Task A_thousand_offline_taps_uploaded_twice_and_out_of_order_are_recorded_exactly_once()
    {
        var cards = new List<CardView>();
        for (var i = 0; i < 10; i++)
            cards.Add(await _http.CardWithBalance(100_00));
        var taps = new List<OfflineTap>();
        for (var s = 1; s <= 1000; s++)
            taps.Add(await Honoured("library-offline-1", s, cards[s % 10].Uid, TestCity.Library, Duration.FromMinutes(1000 - s / 2)));
        var shuffled = taps.OrderBy(_ => Random.Shared.Next()).ToList();

        var first = await Upload("library-offline-1", shuffled.Take(600).Reverse());
        var second = await Upload("library-offline-1", shuffled.Skip(400));
        var again = await Upload("library-offline-1", shuffled);

        Assert.Equal((600, 0, 0), (first.Recorded, first.Duplicates, first.Rejected));
        Assert.Equal((400, 200), (second.Recorded, second.Duplicates));
        Assert.Equal((0, 1000), (again.Recorded, again.Duplicates));
        Assert.Empty(again.Gaps);
        var records = await Recorded("library-offline-1");
        Assert.Equal(1000, records.Count);
        Assert.All(records, r => Assert.True(r.Offline));
        foreach (var card in cards)
            Assert.Equal(0, (await _http.Card(card.Id)).BalanceCents); // 100 taps of 1.00 on each card
    }

    [Fact]
    public async Task A_batch_over_hundreds_of_cards_is_recorded_whole()
    {
        var cards = new List<CardView>();
        for (var i = 0; i < 250; i++)
            cards.Add(await _http.CardWithBalance(5_00));
        var taps = new List<OfflineTap>();
        for (var s = 1; s <= 500; s++)
            taps.Add(await Honoured("library-offline-7", s, cards[s % 250].Uid, TestCity.Library, Duration.FromMinutes(600 - s)));

        var accepted = await Upload("library-offline-7", taps);

        Assert.Equal((500, 0, 0), (accepted.Recorded, accepted.Duplicates, accepted.Rejected));
        Assert.Equal(3_00, (await _http.Card(cards[0].Id)).BalanceCents);
    }

    [Fact]
    public async Task An_offline_tap_that_overdraws_records_a_debt_and_puts_the_card_on_the_deny_list()
    {
        var card = await _http.CardWithBalance(1_50);

        var accepted = await Upload("pool-offline-2", [await Honoured("pool-offline-2", 1, card.Uid, TestCity.Pool, Duration.FromMinutes(30))]);

        Assert.Equal(1, accepted.Recorded);
        Assert.Equal("overdraft", Assert.Single(accepted.Flagged).Reason);
        var view = await _http.Card(card.Id);
        Assert.Equal((0L, 2_00L, CardStatus.Blocked, "debt"), (view.BalanceCents, view.DebtCents, view.Status, view.BlockReason));
        var denyList = await _http.GetFromJsonAsync<DenyListSync>("/deny-list?since=0", Api.Json);
        Assert.Contains(denyList!.Entries, e => e.CardUid == card.Uid && e.Denied && e.Reason == "debt");
    }

    [Fact]
    public async Task A_card_already_denied_is_still_charged_when_a_venue_honoured_it_and_the_tap_is_flagged()
    {
        var card = await _http.CardWithBalance(10_00);
        (await _http.PostAsJsonAsync($"/cards/{card.Id}/block", new { reason = "lost" })).EnsureSuccessStatusCode();

        var accepted = await Upload("library-offline-3", [await Honoured("library-offline-3", 1, card.Uid, TestCity.Library, Duration.FromMinutes(5))]);

        Assert.Equal("card-was-denied", Assert.Single(accepted.Flagged).Reason);
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task Yesterdays_offline_taps_uploaded_between_todays_online_taps_leave_each_day_at_its_cap()
    {
        // Issue 20: a tap priced on another service day used to reset the cap, and the next tap of the day paid again.
        var card = await _http.CardWithBalance(30_00);
        await _http.GrantConcession(card.Id, "capped", "CAF 2026-20"); // a 6.00 cap, November 2026 to October 2027
        var sequence = 0;
        async Task<long> Online() => Assert.IsType<TapAuthorized>(
            await host.Decide(await host.Terminals.Tap("pool-cap-online", ++sequence, card.Uid, TestCity.Pool, host.Clock.GetCurrentInstant()))).ChargedCents;

        var online = new List<long> { await Online(), await Online() };
        // The fixture's clock is at 18:00 in Paris: 26 to 24 hours ago is yesterday afternoon.
        var yesterday = new[] { 26, 25, 24 }.Select(hours => Duration.FromHours(hours));
        var accepted = await Upload("pool-cap-offline", [.. await Task.WhenAll(yesterday.Select((ago, i) => Honoured("pool-cap-offline", i + 1, card.Uid, TestCity.Pool, ago)))]);
        online.Add(await Online());

        Assert.Equal((3, 0), (accepted.Recorded, accepted.Flagged.Count));
        Assert.Equal(new long[] { 3_50, 2_50, 0 }, online);
        var charges = (await _http.History(card.Id)).Where(l => l.Kind == "charged").ToList();
        Assert.Equal(6, charges.Count);
        var byDay = charges.GroupBy(l => l.ServiceDate!.Value).ToDictionary(g => g.Key, g => -g.Sum(l => l.AmountCents!.Value));
        Assert.Equal(new long[] { 6_00, 6_00 }, byDay.Values);
        Assert.All(charges, l => Assert.Equal((6_00L, "payg"), (l.Price!.DailyCap!.Value.Cents, l.ProductId!)));
        Assert.Equal(18_00, (await _http.Card(card.Id)).BalanceCents); // 30.00 less a capped 6.00 on each day
    }

    [Fact]
    public async Task Gaps_in_a_terminals_sequence_are_reported_across_online_and_offline_taps()
    {
        var card = await _http.CardWithBalance(20_00);
        var client = host.TapClient();
        foreach (var s in new long[] { 1, 2 })
            await client.GetResponse<TapAuthorized, TapDeclined>(await host.Terminals.Tap("library-offline-4", s, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant()));

        var accepted = await Upload("library-offline-4",
        [
            await Honoured("library-offline-4", 6, card.Uid, TestCity.Library, Duration.FromMinutes(3)),
            await Honoured("library-offline-4", 5, card.Uid, TestCity.Library, Duration.FromMinutes(4)),
            await Honoured("library-offline-4", 9, card.Uid, TestCity.Library, Duration.FromMinutes(2)),
        ]);

        Assert.Equal([new SequenceGap(3, 4), new SequenceGap(7, 8)], accepted.Gaps);
        Assert.Equal(accepted.Gaps, await _http.GetFromJsonAsync<List<SequenceGap>>("/terminals/library-offline-4/gaps", Api.Json));
    }

    [Fact]
    public async Task Gaps_stay_exact_as_uploads_close_them_one_by_one()
    {
        // Gaps are looked for above the terminal's lowest open gap only (a mark each upload moves up): the report is the same.
        var card = await _http.CardWithBalance(20_00);
        async Task<IReadOnlyList<SequenceGap>> Upload(params long[] sequences) =>
            (await this.Upload("library-offline-8", await Task.WhenAll(sequences.Select(s => Honoured("library-offline-8", s, card.Uid, TestCity.Library, Duration.FromMinutes(60 - s)))))).Gaps;

        Assert.Empty(await Upload(1, 2, 3));
        Assert.Equal([new SequenceGap(4, 6)], await Upload(7));
        Assert.Equal([new SequenceGap(4, 4), new SequenceGap(6, 6), new SequenceGap(9, 9)], await Upload(5, 8, 10));
        Assert.Equal([new SequenceGap(9, 9)], await Upload(4, 6));
        Assert.Empty(await Upload(9));
        Assert.Equal([new SequenceGap(12, 12)], await Upload(11, 13));
        Assert.Equal([new SequenceGap(12, 12)], await _http.GetFromJsonAsync<List<SequenceGap>>("/terminals/library-offline-8/gaps", Api.Json));
    }

    /// <summary>Gap reports read a terminal's numbers above its mark as one range of a (terminal_id, sequence) index; no index
    /// on either column alone costs bytes on every tap; and a host's start finds nothing to change.</summary>
    [Fact]
    public async Task Tap_records_have_one_index_on_terminal_and_sequence_and_none_on_either_alone()
    {
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var feature = ((StoreOptions)store.Options).Storage.FindFeature(typeof(TapRecord));
        var migration = await store.Storage.Database.CreateMigrationAsync(feature, CancellationToken.None);
        Assert.Equal(Weasel.Core.SchemaPatchDifference.None, migration.Difference);

        await using var connection = new Npgsql.NpgsqlConnection(host.Postgres);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("""
            select array_to_string(array_agg(a.attname order by k.ord), ',')
            from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
            cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
            join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
            where n.nspname = $1 and t.relname = 'mt_doc_taprecord' and i.indexprs is null
            group by i.indexrelid
            """, connection) { Parameters = { new() { Value = host.Schema } } };
        var indexes = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                indexes.Add(reader.GetString(0));
        Assert.Contains("terminal_id,sequence", indexes);
        Assert.DoesNotContain("terminal_id", indexes);
        Assert.DoesNotContain("sequence", indexes);
    }

    [Fact]
    public async Task A_tap_lost_for_good_does_not_hold_the_gap_mark_back_and_is_reported_until_it_arrives()
    {
        // Number 2 never arrives (a validator's lost record): the mark moves past it with the gap kept beside it, so later
        // uploads read the numbers above the mark and the kept gaps, not every record since number 1.
        var card = await _http.CardWithBalance(20_00);
        async Task<IReadOnlyList<SequenceGap>> Upload(params long[] sequences) =>
            (await this.Upload("library-offline-9", await Task.WhenAll(sequences.Select(s => Honoured("library-offline-9", s, card.Uid, TestCity.Library, Duration.FromMinutes(60 - s)))))).Gaps;
        async Task<TerminalSequences> Mark()
        {
            await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return (await query.LoadAsync<TerminalSequences>("library-offline-9"))!;
        }

        Assert.Equal([new SequenceGap(2, 2)], await Upload(1, 3));
        Assert.Equal([new SequenceGap(2, 2), new SequenceGap(5, 6)], await Upload(4, 7));
        Assert.Equal([new SequenceGap(2, 2), new SequenceGap(6, 6), new SequenceGap(9, 11)], await Upload(5, 8, 12));
        var mark = await Mark();
        Assert.Equal(12, mark.GapsCheckedThrough); // it stayed at 1 before: every upload read the records above it
        Assert.Equal([new SequenceGap(2, 2), new SequenceGap(6, 6), new SequenceGap(9, 11)], mark.OpenGaps!);

        Assert.Equal([new SequenceGap(6, 6), new SequenceGap(9, 9), new SequenceGap(11, 11)], await Upload(2, 10));
        Assert.Equal([new SequenceGap(6, 6), new SequenceGap(9, 9), new SequenceGap(11, 11)],
            await _http.GetFromJsonAsync<List<SequenceGap>>("/terminals/library-offline-9/gaps", Api.Json));
        Assert.Equal([new SequenceGap(9, 9)], await Upload(6, 11));
        Assert.Empty(await Upload(9));
        Assert.Equal((12L, 0), ((await Mark()).GapsCheckedThrough, (await Mark()).OpenGaps!.Count));
    }

    [Fact]
    public async Task Offline_taps_not_signed_by_the_terminal_are_rejected_and_a_cloned_card_is_recorded_uncharged()
    {
        var card = await _http.CardWithBalance(10_00);
        var genuine = await Honoured("library-offline-5", 1, card.Uid, TestCity.Library, Duration.FromMinutes(9));
        var forged = (await Honoured("library-offline-5", 2, card.Uid, TestCity.Library, Duration.FromMinutes(8))) with { Mac = new string('A', 64) };
        var replayedCounter = await Honoured("library-offline-5", 3, card.Uid, TestCity.Library, Duration.FromMinutes(7), genuine.CardCounter);

        var accepted = await Upload("library-offline-5", [genuine, forged, replayedCounter]);

        Assert.Equal((2, 1), (accepted.Recorded, accepted.Rejected));
        Assert.Equal("card-replayed", Assert.Single(accepted.Flagged).Reason);
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
        Assert.DoesNotContain(await Recorded("library-offline-5"), r => r.Sequence == 2);
    }

    [Fact]
    public async Task A_card_counter_an_earlier_upload_used_is_flagged_as_replayed_by_another_terminal_and_charges_nothing()
    {
        // Read back from the tap records (UsedCounters), not from the upload itself: the pair is one index probe.
        var card = await _http.CardWithBalance(10_00);
        var first = await Honoured("library-offline-10", 1, card.Uid, TestCity.Library, Duration.FromMinutes(9));
        var other = await Honoured("library-offline-10", 2, card.Uid, TestCity.Library, Duration.FromMinutes(8));
        Assert.Equal(2, (await Upload("library-offline-10", [first, other])).Recorded);

        var replayed = await Honoured("library-offline-11", 1, card.Uid, TestCity.Library, Duration.FromMinutes(5), first.CardCounter);
        var fresh = await Honoured("library-offline-11", 2, card.Uid, TestCity.Library, Duration.FromMinutes(4));
        var accepted = await Upload("library-offline-11", [replayed, fresh]);

        Assert.Equal((2, 0, 0), (accepted.Recorded, accepted.Duplicates, accepted.Rejected));
        Assert.Equal(new OfflineTapFlag(1, "card-replayed"), Assert.Single(accepted.Flagged));
        Assert.Equal(7_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_malformed_batch_is_refused_over_HTTP_with_a_reason_and_writes_nothing()
    {
        var response = await _http.PostAsJsonAsync("/terminals/library-offline-6/offline-taps",
            new { terminalId = "library-offline-6", batchId = Guid.NewGuid(), taps = new[] { new { sequence = 1, cardUid = "zz", venueId = "library", terminalTime = "2026-11-25T16:00:00Z", cardCounter = 1, cryptogram = "00", mac = "00" } } });

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await Recorded("library-offline-6"));
    }
}
