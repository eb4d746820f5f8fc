using CityPass.Domain.Finance;
using JasperFx.Events;
using Marten.Events.Projections;

namespace CityPass.Host.Finance.Reconciliation;

/// <summary>
/// Inline projection of the books' provider events into documents keyed by id: one <see cref="ProviderTransaction"/> per
/// recorded balance transaction, one <see cref="ReportedPayment"/> per payment a report showed. Written in the import's
/// transaction; an import reads only its own report's ids from them.
/// </summary>
public sealed partial class ProviderRecordProjection : EventProjection
{
    public ProviderRecordProjection()
    {
        IncludeType<ProviderTransactionRecorded>();
        IncludeType<ProviderReportImported>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        ProviderRecords.Store(operations, e.Data);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Marks that the provider documents hold every provider event of the books (<see cref="ProviderRecords.BackfillOnceAsync"/>).</summary>
public sealed record FinanceMigration(string Id, int Events, NodaTime.Instant At);

public static class ProviderRecords
{
    public const string BackfillId = "provider-records";
    private const int Page = 5_000;

    public static void Store(IDocumentOperations operations, object @event)
    {
        switch (@event)
        {
            case ProviderTransactionRecorded e:
                operations.Store(new ProviderTransaction(e.Row.BalanceTransactionId, e.ImportId, e.RecordedAt));
                break;
            case ProviderReportImported e:
                operations.Store(Domain.Finance.Reconciliation.ReportedPayments(e.Report).Distinct(StringComparer.Ordinal)
                    .Select(reference => new ReportedPayment(reference, e.ImportId, e.ImportedAt)).ToArray());
                break;
        }
    }

    /// <summary>
    /// Books written before these documents existed held the same sets in the books document: the first import after the
    /// upgrade first projects the books' earlier provider events into them, in a transaction of its own (the import's
    /// queries must see them), and marks it done. Storing a document twice gives the same document, so two hosts doing it
    /// at once agree; afterwards it costs one load by id an import.
    /// </summary>
    public static async Task BackfillOnceAsync(IDocumentStore store, NodaTime.Instant now, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<FinanceMigration>(BackfillId, ct) is not null)
            return;
        var version = (await session.Events.FetchStreamStateAsync(FinanceBooks.StreamId, ct))?.Version ?? 0;
        var count = 0;
        for (long from = 1; from <= version; from += Page)
        {
            var events = await session.Events.FetchStreamAsync(FinanceBooks.StreamId, version: Math.Min(version, from + Page - 1), fromVersion: from, token: ct);
            foreach (var e in events.Where(e => e.Data is ProviderTransactionRecorded or ProviderReportImported))
            {
                Store(session, e.Data);
                count++;
            }
        }
        session.Store(new FinanceMigration(BackfillId, count, now));
        await session.SaveChangesAsync(ct);
    }
}
