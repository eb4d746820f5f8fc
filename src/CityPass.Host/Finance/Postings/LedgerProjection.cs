using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using CityPass.Host.Schemes;

namespace CityPass.Host.Finance.Postings;

/// <summary>
/// Turns every money-moving event into one <see cref="LedgerEntry"/> (its balanced postings), keyed by the event's global
/// sequence number. Async: the daemon applies events in sequence order, so an entry stored after a close always has a
/// higher id than any the close saw. Rebuilding it gives the same entries (attribution uses the scheme as it stands).
/// </summary>
public sealed partial class LedgerProjection : EventProjection
{
    public LedgerProjection()
    {
        // The same list the posting rules switch over: an event type posted there is never filtered out here.
        foreach (var type in PostingRules.PostedEventTypes)
            IncludeType(type);
    }

    /// <summary>The scheme is read for every posted event: its document is deserialized again only when it changed.</summary>
    private readonly SchemeCache _schemes = new();

    public override async ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        var scheme = await _schemes.CurrentAsync(operations, cancellation);
        if (PostingRules.Post(e.Data, e.Sequence, scheme) is { } entry)
            operations.Store(entry);
    }
}
