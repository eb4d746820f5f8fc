using CityPass.Domain.Cards;
using CityPass.Host.Terminals;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CityPass.IntegrationTests.Cards;

/// <summary>
/// Committing a card's events is one round trip: the events, the stream's version and the card's snapshot in one batch.
/// Without each inline projection declaring its events, Marten loaded a Scheme, a Reload, a FinanceBooks, a
/// CardReplacement and the Card again for every stream written, five sequential queries in every tap batch's commit.
/// </summary>
[Collection(CityPassCollection.Name)]
public class CardWriteRoundTripTests(CityPassHost host)
{
    [Fact]
    public async Task A_card_write_commits_in_one_round_trip_that_reads_no_document()
    {
        var card = await host.CreateClient().CardWithBalance(10_00);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var sql = new List<string>();
        await using var session = store.LightweightSession();
        session.Logger = new Recorder(sql);

        var stream = await session.Events.FetchForWriting<Card>(card.Id);
        stream.AppendOne(new CardBlocked(card.Id, "round-trip test", host.Clock.GetCurrentInstant()));
        await session.TrackDenyListAsync(default); // the deny list's version: a read of its own, before the commit
        sql.Clear();
        await session.SaveChangesAsync();

        var commit = Assert.Single(sql);
        Assert.DoesNotContain("select d.id, d.data", commit);
        Assert.Contains("mt_doc_card", commit); // the snapshot, written in the same batch
        var saved = await store.QuerySession().LoadAsync<Card>(card.Id);
        Assert.Equal(CardStatus.Blocked, saved!.Status);
    }

    private sealed class Recorder(List<string> sql) : IMartenSessionLogger
    {
        public void LogSuccess(NpgsqlCommand command) => sql.Add(command.CommandText);
        public void LogFailure(NpgsqlCommand command, Exception ex) => sql.Add(command.CommandText);
        public void LogSuccess(NpgsqlBatch batch) => sql.Add(string.Join(";\n", batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText)));
        public void LogFailure(NpgsqlBatch batch, Exception ex) => LogSuccess(batch);
        public void LogFailure(Exception ex, string message) => sql.Add(message);
        public void RecordSavedChanges(IDocumentSession session, IChangeSet commit) { }
        public void OnBeforeExecute(NpgsqlCommand command) { }
        public void OnBeforeExecute(NpgsqlBatch batch) { }
    }
}
