using CityPass.Contracts.Terminals;
using CityPass.Domain.DenyLists;
using JasperFx.Events;
using Marten.Events.Projections;
using MassTransit;
using Marten.Services;
using System.Runtime.CompilerServices;

namespace CityPass.Host.Terminals;

/// <summary>The deny list's current word on one card: its latest change and the version that made it.</summary>
public sealed record DenyListRow(string Id, Guid CardId, bool Denied, string Reason, long Version, Instant At);

/// <summary>Inline: one row per card ever denied, updated in the transaction that blocks or unblocks it.</summary>
public sealed partial class DenyListProjection : EventProjection
{
    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case CardDenied x:
                operations.Store(new DenyListRow(x.Uid, x.CardId, true, x.Reason, e.Version, x.At));
                break;
            case CardAllowed x:
                operations.Store(new DenyListRow(x.Uid, x.CardId, false, x.Reason, e.Version, x.At));
                break;
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Keeps the deny list in step with the cards, whatever code blocks or unblocks one (an administrator, a refund's debt,
/// an offline overdraft, a lost card): every pending CardBlocked / CardUnblocked gets its CardDenied / CardAllowed on
/// the deny-list stream, in the same transaction (the stream's version is the deny list's version).
/// Every write through <see cref="Writes"/> runs <see cref="TrackDenyListAsync"/> just before SaveChangesAsync (through
/// <see cref="DenyListListener"/>); a write that saves its own session calls it itself. The listener refuses a commit
/// that forgot, and wakes the relay that pushes the changes to terminals once committed.
/// </summary>
public static class DenyListTracking
{
    /// <summary>The sessions whose deny-list changes are appended: the changes themselves are read back from the stream.</summary>
    internal static readonly ConditionalWeakTable<IDocumentSession, object> Pending = new();

    public static async Task TrackDenyListAsync(this IDocumentSession session, CancellationToken ct)
    {
        var blocks = CardBlocks(session);
        if (blocks.Count == 0 || Pending.TryGetValue(session, out _))
            return;
        var uids = (await session.LoadManyAsync<Card>(ct, blocks.Select(b => b.CardId).Distinct().ToArray())).ToDictionary(c => c.Id, c => c.Uid);
        var changes = new List<object>();
        foreach (var (cardId, data) in blocks)
        {
            var uid = uids.GetValueOrDefault(cardId)
                ?? throw new InvalidOperationException($"Card {cardId} is blocked before it was issued.");
            changes.Add(data is CardBlocked b
                ? new CardDenied(uid, cardId, b.Reason, b.BlockedAt)
                : new CardAllowed(uid, cardId, ((CardUnblocked)data).Reason, ((CardUnblocked)data).UnblockedAt));
        }
        var version = (await session.Events.FetchStreamStateAsync(DenyList.StreamId, ct))?.Version ?? 0;
        session.Events.Append(DenyList.StreamId, version + changes.Count, changes.ToArray());
        Pending.AddOrUpdate(session, changes);
    }

    internal static List<(Guid CardId, object Data)> CardBlocks(IDocumentSession session) =>
        session.PendingChanges.Streams()
            .Where(s => s.Id != DenyList.StreamId)
            .SelectMany(s => s.Events.Select(e => (CardId: s.Id, e.Data)))
            .Where(x => x.Data is CardBlocked or CardUnblocked)
            .ToList();
}

/// <summary>
/// Adds the deny-list changes to every write made through <see cref="Writes"/>, refuses a commit that blocks a card
/// without its deny-list change, and wakes the <see cref="DenyListRelay"/> once such a commit is done (the relay pushes
/// it; nothing is published from here, so a RabbitMQ outage loses nothing).
/// </summary>
/// <remarks>
/// The changes cannot be appended from <see cref="BeforeSaveChangesAsync"/> itself: Marten calls it after it has turned
/// the session's events into operations, so an event appended there would not be saved.
/// </remarks>
public sealed class DenyListListener(IServiceProvider services) : DocumentSessionListenerBase, IBeforeSave
{
    public Task BeforeSaveAsync(IDocumentSession session, CancellationToken ct) => session.TrackDenyListAsync(ct);

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (DenyListTracking.CardBlocks(session).Count > 0 && !DenyListTracking.Pending.TryGetValue(session, out _))
            throw new InvalidOperationException("A card is blocked or unblocked without its deny-list change: call TrackDenyListAsync before SaveChangesAsync.");
        return Task.CompletedTask;
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (DenyListTracking.Pending.Remove(session))
            services.GetRequiredService<DenyListRelay>().Wake();
        return Task.CompletedTask;
    }
}

/// <summary>A terminal's re-sync: what changed since its version, or the whole list when it is too far behind.</summary>
public sealed record DenyListSync(long Version, string Kind, IReadOnlyList<DenyListEntry> Entries);

public static class DenyListEndpoints
{
    /// <summary>Past this many changes, a full snapshot is smaller than the delta.</summary>
    public const int MaxDelta = 10_000;

    public static void MapDenyList(this IEndpointRouteBuilder app) =>
        app.MapGet("/deny-list", async (IQuerySession session, CancellationToken ct, long since = 0) =>
            {
                var state = await session.Events.FetchStreamStateAsync(DenyList.StreamId, ct);
                var version = state?.Version ?? 0;
                if (since < 0 || since > version)
                    return Results.Problem(statusCode: 400, title: "Invalid version", detail: $"since must be between 0 and the current version {version}.");
                var changed = since > 0 && version - since <= MaxDelta;
                var rows = changed
                    ? await session.Query<DenyListRow>().Where(r => r.Version > since).OrderBy(r => r.Version).ToListAsync(ct)
                    : await session.Query<DenyListRow>().Where(r => r.Denied).OrderBy(r => r.Version).ToListAsync(ct);
                return Results.Ok(new DenyListSync(version, changed ? "delta" : "snapshot",
                    rows.Select(r => new DenyListEntry(r.Id, r.Denied, r.Reason, r.Version)).ToList()));
            })
            .WithTags("Terminals")
            .WithSummary("Deny-list re-sync: the changes since a version (delta), or every denied card (snapshot) from 0 or when too far behind.");
}
