namespace CityPass.Host.Privacy;

/// <summary>
/// An erasure as the erasure log keeps it: the account id (a random id that identifies nobody once erased) and when. The
/// log lives in a schema of its own (<c>&lt;schema&gt;_erasure_log</c>), written in the erasure's own transaction, so that
/// <c>scripts/backup.sh</c>'s dumps (one schema) do not hold it and restoring one does not roll it back.
/// </summary>
public sealed record ErasureLogEntry(string Id, Instant ErasedAt);

/// <summary>
/// After a restore, people erased since the backup was taken are back in the restored schema (their login, their sealed
/// details, their keys). At each start every host re-applies the log: each logged erasure without its
/// <see cref="ErasureRecord"/> in the schema is done again, with its original time.
/// </summary>
public sealed partial class ErasureReplay(IDocumentStore store, ILogger<ErasureReplay> logger) : BackgroundService
{
    public static string SchemaFor(string schema) => schema + "_erasure_log";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var redone = await ReapplyAsync(stoppingToken);
            if (redone > 0)
                Reapplied(logger, redone);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or Marten.Exceptions.MartenCommandException)
        {
            ReplayFailed(logger, e);
        }
    }

    /// <returns>How many logged erasures were missing from the schema and were done again.</returns>
    public async Task<int> ReapplyAsync(CancellationToken ct)
    {
        List<ErasureLogEntry> missing;
        await using (var session = store.QuerySession())
        {
            var logged = await session.Query<ErasureLogEntry>().ToListAsync(ct);
            if (logged.Count == 0)
                return 0;
            var done = (await session.Query<ErasureRecord>().Select(r => r.Id).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            missing = logged.Where(e => !done.Contains(e.Id)).ToList();
        }
        foreach (var erasure in missing)
            await PersonalData.EraseAsync(store, erasure.Id, erasure.ErasedAt, ct);
        return missing.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-applied {Count} erasures from the erasure log: the database was restored from a backup older than them")]
    private static partial void Reapplied(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The erasure log could not be re-applied at start; restart the host once the database answers")]
    private static partial void ReplayFailed(ILogger logger, Exception exception);
}
