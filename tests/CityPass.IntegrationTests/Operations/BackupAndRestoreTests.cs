using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Host.Cards;
using CityPass.IntegrationTests.Payments;
using Npgsql;

namespace CityPass.IntegrationTests.Operations;

/// <summary>
/// The operator's procedures of docs/operations.md, run as written: scripts/backup.sh, the schema lost, scripts/restore.sh,
/// and the host's rebuild-projections command for a read model lost while the events are intact.
/// A host of its own: the test drops its schema.
/// </summary>
public class BackupAndRestoreTests : IAsyncLifetime
{
    private readonly CityPassHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_dump_brings_back_every_card_after_the_schema_is_lost_and_a_lost_read_model_is_rebuilt_from_the_events()
    {
        var http = _host.CreateClient();
        var cards = new List<CardView>();
        for (var i = 0; i < 3; i++)
            cards.Add(await http.CardWithBalance(20_00 + i * 100));
        var terminal = $"backup-{Guid.NewGuid():N}"[..20];
        for (var i = 0; i < cards.Count; i++)
            Assert.IsType<TapAuthorized>(await _host.Decide(await _host.Terminals.Tap(terminal, i + 1, cards[i].Uid, TestCity.Pool, _host.Clock.GetCurrentInstant())));
        var before = await Balances(http, cards);
        Assert.All(cards, c => Assert.True(before[c.Id] < c.BalanceCents)); // the taps were charged

        var dump = Path.Combine(Path.GetTempPath(), $"citypass-{_host.Schema}.dump");
        try
        {
            var (backup, backupOutput) = await Script("backup.sh", "--schema", _host.Schema, "--database", Database, "-o", dump);
            Assert.True(backup == 0, backupOutput);
            Assert.True(new FileInfo(dump).Length > 0);

            // A restore never overwrites a live schema by accident.
            var (refused, refusal) = await Script("restore.sh", dump, "--database", Database);
            Assert.True(refused == 3, refusal);
            Assert.Contains("--replace", refusal);

            await Sql($"DROP SCHEMA {_host.Schema} CASCADE");
            Assert.Equal(HttpStatusCode.InternalServerError, (await http.GetAsync($"/cards/{cards[0].Id}")).StatusCode);

            var (restored, restoreOutput) = await Script("restore.sh", dump, "--database", Database);
            Assert.True(restored == 0, restoreOutput);
            Assert.Equal(before, await Balances(http, cards));
            // Planner statistics come back with the rows (the prepared tap statements are planned from them).
            Assert.Equal(0L, await Scalar($"SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = '{_host.Schema}' AND last_analyze IS NULL"));
            Assert.True(await Scalar($"SELECT reltuples::bigint FROM pg_class WHERE oid = '{_host.Schema}.mt_doc_card'::regclass") >= cards.Count);

            // The restored store takes new taps: versions and sequences went on from where they were.
            Assert.IsType<TapAuthorized>(await _host.Decide(await _host.Terminals.Tap(terminal, 10, cards[0].Uid, TestCity.Pool, _host.Clock.GetCurrentInstant())));
            var afterTap = await Balances(http, cards);
            Assert.True(afterTap[cards[0].Id] < before[cards[0].Id]);

            // The cards' read model lost (events intact): the rebuild command puts every balance back from the events.
            await Sql($"DELETE FROM {_host.Schema}.mt_doc_card");
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/cards/{cards[0].Id}")).StatusCode);
            var (rebuilt, rebuildOutput) = await _host.HostCommand("rebuild-projections", "Card");
            Assert.True(rebuilt == 0, rebuildOutput);
            Assert.Contains("rebuilt Card", rebuildOutput);
            Assert.Equal(afterTap, await Balances(http, cards));

            var (unknown, unknownOutput) = await _host.HostCommand("rebuild-projections", "NoSuchProjection");
            Assert.Equal(2, unknown);
            Assert.Contains("Card", unknownOutput); // lists the known ones
        }
        finally
        {
            File.Delete(dump);
        }
    }

    [Fact]
    public async Task Erasures_made_after_a_backup_are_done_again_when_a_host_starts_on_the_restored_schema()
    {
        var (http, email, card) = await _host.CardholderWithCard(15_00);
        var dump = Path.Combine(Path.GetTempPath(), $"citypass-{_host.Schema}-erasure.dump");
        try
        {
            var (backup, backupOutput) = await Script("backup.sh", "--schema", _host.Schema, "--database", Database, "-o", dump);
            Assert.True(backup == 0, backupOutput);

            Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync("/me/erasure", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(email)).StatusCode);

            // The old backup restored: the erased person is back, able to sign in, their card linked again.
            await Sql($"DROP SCHEMA {_host.Schema} CASCADE");
            var (restored, restoreOutput) = await Script("restore.sh", dump, "--database", Database);
            Assert.True(restored == 0, restoreOutput);
            Assert.Equal(HttpStatusCode.OK, (await SignIn(email)).StatusCode);
            Assert.Equal(1L, await Scalar($"SELECT count(*) FROM {_host.Schema}.mt_doc_cardownership WHERE id = '{card.Id}'"));

            // A host starting on the restored schema re-applies the erasure log, which the dump did not hold.
            await using var restarted = new SecondCityPassHost(_host);
            await restarted.StartAsync();
            await Eventually.ReadAsync(async () => (await SignIn(email)).StatusCode, s => s == HttpStatusCode.Unauthorized, "the erased account refused again");
            Assert.Equal(0L, await Scalar($"SELECT count(*) FROM {_host.Schema}.mt_doc_cardownership WHERE id = '{card.Id}'"));
            Assert.Equal(1L, await Scalar($"SELECT count(*) FROM {_host.Schema}.mt_doc_erasurerecord"));
            Assert.Equal(15_00, (await _host.CreateClient().Card(card.Id)).BalanceCents); // the card keeps its value, anonymous
        }
        finally
        {
            File.Delete(dump);
        }
    }

    private Task<HttpResponseMessage> SignIn(string email) =>
        _host.Anonymous().PostAsJsonAsync("/account/login", new { email, password = Payments.Cardholders.Password });

    private string Database => new NpgsqlConnectionStringBuilder(_host.Postgres).Database!;

    private static async Task<Dictionary<Guid, long>> Balances(HttpClient http, IEnumerable<CardView> cards)
    {
        var balances = new Dictionary<Guid, long>();
        foreach (var card in cards)
            balances[card.Id] = (await http.Card(card.Id)).BalanceCents;
        return balances;
    }

    /// <summary>Runs a statement on the host's database; its first value, if it returns any.</summary>
    private async Task<object?> Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(_host.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private async Task<long> Scalar(string sql) => Convert.ToInt64(await Sql(sql), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<(int, string)> Script(string name, params string[] arguments)
    {
        var connection = new NpgsqlConnectionStringBuilder(_host.Postgres);
        var start = new ProcessStartInfo(Path.Combine(Processes.Root, "scripts", name));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["PGHOST"] = connection.Host;
        start.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = connection.Username;
        start.Environment["PGPASSWORD"] = connection.Password;
        var result = await Processes.Run(start);
        return (result.ExitCode, result.All);
    }
}
