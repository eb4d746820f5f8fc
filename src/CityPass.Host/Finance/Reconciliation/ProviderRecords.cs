using CityPass.Domain.Finance;

namespace CityPass.Host.Finance.Reconciliation;

/// <summary>Marks that the provider documents hold every provider event of the books (<see cref="ProviderRecords.BackfillOnceAsync"/>).</summary>
public sealed record FinanceMigration(string Id, int Events, NodaTime.Instant At);

/// <summary>
/// The books' provider events as documents keyed by id: one <see cref="ProviderTransaction"/> per recorded balance
/// transaction, one <see cref="ReportedPayment"/> per payment a report showed. An import reads only its own report's ids
/// from them, and writes them in its own transaction beside its events.
/// </summary>
/// <remarks>
/// Written as one set-based upsert per table, not as Marten document operations: Marten's unit of work scans every queued
/// document operation for each one added (a <c>RemoveAll</c> in <c>UnitOfWork.Add</c>), so the 200,000 documents of a
/// 100,000-row report cost the square of that (docs/performance.md, "City scale").
/// </remarks>
public static class ProviderRecords
{
    public const string BackfillId = "provider-records";
    private const int Page = 5_000;

    /// <summary>Queues, in the session's transaction, the documents these provider events give (other events are ignored).</summary>
    public static async Task QueueAsync(IDocumentSession session, IEnumerable<object> events, CancellationToken ct)
    {
        // Keyed by id, the last event winning, as storing each in turn would leave them (and one upsert cannot touch a row twice).
        var transactions = new Dictionary<string, ProviderTransaction>(StringComparer.Ordinal);
        var payments = new Dictionary<string, ReportedPayment>(StringComparer.Ordinal);
        foreach (var @event in events)
        {
            switch (@event)
            {
                case ProviderTransactionRecorded e:
                    transactions[e.Row.BalanceTransactionId] = new ProviderTransaction(e.Row.BalanceTransactionId, e.ImportId, e.RecordedAt);
                    break;
                case ProviderReportImported e:
                    foreach (var reference in Domain.Finance.Reconciliation.ReportedPayments(e.Report))
                        payments[reference] = new ReportedPayment(reference, e.ImportId, e.ImportedAt);
                    break;
            }
        }
        await UpsertAsync(session, transactions, ct);
        await UpsertAsync(session, payments, ct);
    }

    private static async Task UpsertAsync<T>(IDocumentSession session, Dictionary<string, T> documents, CancellationToken ct) where T : notnull
    {
        if (documents.Count == 0)
            return;
        // The table is Marten's own (created or migrated as for any document); its version and time columns keep their defaults.
        await session.Database.EnsureStorageExistsAsync(typeof(T), ct);
        var options = session.DocumentStore.Options;
        var serializer = options.Serializer();
        session.QueueSqlCommand(
            $"insert into {options.Schema.For<T>()} (id, data, mt_dotnet_type) select u.id, u.data::jsonb, ? from unnest(?::text[], ?::text[]) as u(id, data) "
            + "on conflict (id) do update set data = excluded.data, mt_dotnet_type = excluded.mt_dotnet_type, "
            + "mt_last_modified = excluded.mt_last_modified, mt_version = excluded.mt_version",
            typeof(T).FullName!, documents.Keys.ToArray(), documents.Values.Select(d => serializer.ToJson(d)).ToArray());
    }

    /// <summary>
    /// Books written before these documents existed held the same sets in the books document: the first import after the
    /// upgrade first writes the books' earlier provider events into them, in a transaction of its own (the import's
    /// queries must see them), and marks it done. Writing a document twice gives the same document, so two hosts doing it
    /// at once agree; afterwards it costs one load by id an import.
    /// </summary>
    public static async Task BackfillOnceAsync(IDocumentStore store, NodaTime.Instant now, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<FinanceMigration>(BackfillId, ct) is not null)
            return;
        var version = (await session.Events.FetchStreamStateAsync(FinanceBooks.StreamId, ct))?.Version ?? 0;
        var provider = new List<object>();
        for (long from = 1; from <= version; from += Page)
        {
            var events = await session.Events.FetchStreamAsync(FinanceBooks.StreamId, version: Math.Min(version, from + Page - 1), fromVersion: from, token: ct);
            provider.AddRange(events.Select(e => e.Data).Where(e => e is ProviderTransactionRecorded or ProviderReportImported));
        }
        await QueueAsync(session, provider, ct);
        session.Store(new FinanceMigration(BackfillId, provider.Count, now));
        await session.SaveChangesAsync(ct);
    }
}
