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
        // The deny list is one stream every block appends to. Writers take their turn on it (a row lock on the stream
        // until this transaction ends, taken as its version is read) instead of racing for its next version: racing, 8
        // blocks at once had one lose on all of its 40 attempts in the default city's build. Only the stream's very
        // first change, which starts it, can race (a conflict, retried as any other).
        try
        {
            await session.Events.AppendExclusive(DenyList.StreamId, ct, changes.ToArray());
        }
        catch (Marten.Exceptions.NonExistentStreamException)
        {
            session.Events.Append(DenyList.StreamId, changes.Count, changes.ToArray());
        }
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

/// <summary>A terminal's re-sync: one page of what changed since its version, or of every denied card (a snapshot) from 0.</summary>
/// <param name="Version">The version the terminal holds once it applied this page: the last entry's when <paramref name="More"/>.</param>
/// <param name="More">More pages follow: ask again with <c>since</c> = <paramref name="Version"/>.</param>
/// <param name="Signature">ECDSA P-256 with the scheme's deny-list key (<see cref="DenyListSigner"/>).</param>
public sealed record DenyListSync(long Version, string Kind, IReadOnlyList<DenyListEntry> Entries, bool More = false, string? Signature = null);

/// <summary>What terminals are told of a block: a code, never the desk's own words (which may name the holder).</summary>
public static class DenyListReasons
{
    public static readonly IReadOnlyList<string> DenyCodes = ["lost", "stolen", "fraud", "debt", "damaged"];

    public const string Other = "other";
    public const string Unblocked = "unblocked";

    public static string Code(bool denied, string? reason)
    {
        if (!denied)
            return Unblocked;
        var word = reason?.Trim().ToLowerInvariant();
        return DenyCodes.FirstOrDefault(c => c == word) ?? Other;
    }

    public static DenyListEntry Entry(string cardUid, bool denied, string? reason, long version) => new(cardUid, denied, Code(denied, reason), version);
}

public static class DenyListEndpoints
{
    public const int DefaultPage = 1_000;
    public const int MaxPage = 10_000;

    /// <summary>Enrolled terminals (their signature, <see cref="TerminalAuthentication"/>) and administrators.</summary>
    public static void MapDenyList(this IEndpointRouteBuilder app) =>
        app.MapGet("/deny-list", async (IQuerySession session, DenyListSigner signer, CancellationToken ct, long since = 0, int limit = DefaultPage) =>
            {
                var state = await session.Events.FetchStreamStateAsync(DenyList.StreamId, ct);
                var version = state?.Version ?? 0;
                if (since < 0 || since > version)
                    return Results.Problem(statusCode: 400, title: "Invalid version", detail: $"since must be between 0 and the current version {version}.");
                if (limit is < 1 or > MaxPage)
                    return Results.Problem(statusCode: 400, title: "Invalid limit", detail: $"limit is between 1 and {MaxPage}.");
                // A row holds a card's latest change and only ever moves to a higher version, so paging by version misses
                // nothing: a card changed while a terminal pages comes again in a later page.
                var snapshot = since == 0;
                var query = snapshot
                    ? session.Query<DenyListRow>().Where(r => r.Denied)
                    : session.Query<DenyListRow>().Where(r => r.Version > since);
                var rows = await query.OrderBy(r => r.Version).Take(limit + 1).ToListAsync(ct);
                var more = rows.Count > limit;
                var page = rows.Take(limit).Select(r => DenyListReasons.Entry(r.Id, r.Denied, r.Reason, r.Version)).ToList();
                var sync = new DenyListSync(more ? page[^1].Version : version, snapshot ? "snapshot" : "delta", page, more);
                return Results.Ok(signer.WithSignature(sync, since));
            })
            .RequireAuthorization(TerminalAuthentication.Policy)
            .WithTags("Terminals")
            .WithSummary("Deny-list re-sync, for enrolled terminals (signed request) and administrators: the changes since a version (delta), or every denied card (snapshot) from 0, by pages of up to `limit` (1,000; at most 10,000), signed with the scheme's deny-list key.");
}
