using JasperFx.Events;
using Marten.Events.Projections;

namespace CityPass.Host.Cardholders.Linking;

/// <summary>
/// Finds a card by the number printed on it alone. Its id is a keyed hash of the 12 digits (<see cref="PrintedNumber.LookupId"/>):
/// the table cannot be turned back into printed numbers without the card master key, any more than the cards' UIDs can.
/// </summary>
public sealed record PrintedNumberEntry(string Id, Guid CardId);

/// <summary>Inline projection: every issued card (desk, demo, replacement) gets its lookup entry in the same transaction.</summary>
public sealed partial class PrintedNumberProjection(PrintedNumber printed) : EventProjection
{
    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data is CardIssued issued)
            operations.Store(new PrintedNumberEntry(printed.LookupId(printed.For(issued.Uid)), issued.CardId));
        return ValueTask.CompletedTask;
    }
}

/// <summary>Indexes, once at start, the cards issued before the lookup existed (a card already indexed is skipped).</summary>
public sealed partial class PrintedNumberBackfill(IDocumentStore store, PrintedNumber printed, ILogger<PrintedNumberBackfill> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var session = store.LightweightSession();
            var indexed = (await session.Query<PrintedNumberEntry>().Select(x => x.CardId).ToListAsync(stoppingToken)).ToHashSet();
            var cards = await session.Query<Card>().Select(c => new { c.Id, c.Uid }).ToListAsync(stoppingToken);
            var missing = cards.Where(c => !indexed.Contains(c.Id)).ToList();
            foreach (var card in missing)
                session.Store(new PrintedNumberEntry(printed.LookupId(printed.For(card.Uid)), card.Id));
            if (missing.Count > 0)
            {
                await session.SaveChangesAsync(stoppingToken);
                Indexed(missing.Count);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Failed(e);
        }
    }

    [LoggerMessage(LogLevel.Information, "Printed-number lookup: indexed {Count} cards issued before it existed")]
    private partial void Indexed(int count);

    [LoggerMessage(LogLevel.Warning, "Printed-number lookup: indexing older cards failed; they can still be added with their UID")]
    private partial void Failed(Exception e);
}
