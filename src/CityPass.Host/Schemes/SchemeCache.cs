using CityPass.Domain.Schemes;
using JasperFx.Events;
using Marten.Services.BatchQuerying;

namespace CityPass.Host.Schemes;

/// <summary>
/// The scheme between two batches of taps: a batch reads the scheme stream's version (one row, in the batch's own round
/// trip) and reads and deserializes the scheme document (every venue, terminal, product and tariff) only when an
/// administrator has changed it since. A batch never uses a scheme older than the version it read.
/// </summary>
public sealed class SchemeCache
{
    private sealed record Cached(long Version, Scheme Scheme);

    private Cached? _cached;

    /// <summary>The scheme the last reader saw (null before any): at least the one the taps answered now were decided with.</summary>
    public Scheme? Latest => Volatile.Read(ref _cached)?.Scheme;

    /// <summary>Adds the scheme's version to a batch; pass the result to <see cref="ResolveAsync"/> once it is executed.</summary>
    public Task<StreamState> Version(IBatchedQuery batch) => batch.Events.FetchStreamState(Scheme.StreamId);

    /// <summary>The scheme as it stands, for one reader outside a batch: its version read, its document only when changed.</summary>
    public Task<Scheme> CurrentAsync(IQuerySession session, CancellationToken ct) =>
        ResolveAsync(session.Events.FetchStreamStateAsync(Scheme.StreamId, ct)!, session, ct);

    public async Task<Scheme> ResolveAsync(Task<StreamState> version, IQuerySession session, CancellationToken ct)
    {
        StreamState? state = await version; // null: no scheme defined yet
        var current = state?.Version ?? 0;
        if (Volatile.Read(ref _cached) is { } cached && cached.Version == current)
            return cached.Scheme;
        // The document read now may already hold a later change: it is kept under the version read, so the next batch,
        // seeing the later version, reads it again.
        var scheme = await session.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty;
        Volatile.Write(ref _cached, new Cached(current, scheme));
        return scheme;
    }
}
