namespace CityPass.Host.Infrastructure;

/// <summary>
/// Work that a feature adds to every write's transaction just before it is saved (the deny list follows the cards'
/// blocks): a Marten session listener that also implements this is run by <see cref="Writes"/> on each write.
/// </summary>
public interface IBeforeSave
{
    Task BeforeSaveAsync(IDocumentSession session, CancellationToken ct);
}

/// <summary>A decision on one stream: the events to append (none: nothing changes) and what the caller is told.</summary>
public readonly record struct Decided<T>(IReadOnlyList<object> Events, T Result);

/// <summary>What one write reads and stages in its session; the session is saved after it.</summary>
public delegate Task<T> WriteWork<T>(IDocumentSession session, CancellationToken ct);

/// <summary>
/// The write path of every stream: a fresh session per attempt, what the work reads and appends, the features'
/// <see cref="IBeforeSave"/> work, one SaveChanges; decided again from fresh state when another writer won a race
/// (<see cref="ConflictRetry"/>). Work that appends nothing saves nothing.
/// </summary>
public static class Writes
{
    /// <summary>One unit of work over any streams and documents, retried whole on a conflict.</summary>
    public static Task<T> WriteAsync<T>(this IDocumentStore store, WriteWork<T> work, CancellationToken ct) =>
        ConflictRetry.RunAsync(token => AttemptAsync(store, work, token), ct);

    /// <summary>One stream, fetched for writing and decided purely on its state (null before the stream starts).</summary>
    public static Task<T> WriteAsync<TState, T>(this IDocumentStore store, Guid streamId, Func<TState?, Decided<T>> decide, CancellationToken ct)
        where TState : class =>
        store.WriteAsync(async (session, token) =>
        {
            var stream = await session.Events.FetchForWriting<TState>(streamId, token);
            var (events, result) = decide(stream.Aggregate);
            if (events.Count > 0)
                stream.AppendMany(events);
            return result;
        }, ct);

    /// <summary>
    /// One attempt at a write a twin request may have made first: a lost race (the stream moved on or already exists, the
    /// document was inserted) is not retried and gives <c>default</c>, for the caller to show what the twin did.
    /// </summary>
    public static async Task<T?> WriteOnceAsync<T>(this IDocumentStore store, WriteWork<T> work, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var result = await work(session, ct);
        try
        {
            await SaveAsync(store, session, ct);
        }
        catch (Exception e) when (ConflictRetry.IsConflict(e) || e is Marten.Exceptions.ExistingStreamIdCollisionException)
        {
            return default;
        }
        return result;
    }

    private static async Task<T> AttemptAsync<T>(IDocumentStore store, WriteWork<T> work, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var result = await work(session, ct);
        await SaveAsync(store, session, ct);
        return result;
    }

    private static async Task SaveAsync(IDocumentStore store, IDocumentSession session, CancellationToken ct)
    {
        await store.BeforeSaveAsync(session, ct);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>The features' <see cref="IBeforeSave"/> work, for a path that saves its own session (the taps' batches).</summary>
    public static async Task BeforeSaveAsync(this IDocumentStore store, IDocumentSession session, CancellationToken ct)
    {
        foreach (var hook in BeforeSave(store))
            await hook.BeforeSaveAsync(session, ct);
    }

    private static IEnumerable<IBeforeSave> BeforeSave(IDocumentStore store) =>
        (store.Options as StoreOptions ?? throw new InvalidOperationException("Writes needs Marten's own document store."))
        .Listeners.OfType<IBeforeSave>();
}
