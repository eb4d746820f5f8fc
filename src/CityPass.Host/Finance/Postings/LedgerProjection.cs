using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using JasperFx.Events;
using Marten.Events.Projections;

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
        // The scheme's changes come through too, in sequence order, only to say that the scheme held is out of date.
        foreach (var type in Scheme.EventTypes)
            IncludeType(type);
    }

    /// <summary>
    /// The scheme as read after the last scheme change the daemon went past: never older than the events that follow it,
    /// read again only after an administrator's change (not once per posted event).
    /// </summary>
    private Scheme? _scheme;

    public override async ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data.GetType() is var type && Scheme.EventTypes.Contains(type))
        {
            _scheme = null;
            return;
        }
        var scheme = _scheme ??= await operations.LoadAsync<Scheme>(Scheme.StreamId, cancellation) ?? Scheme.Empty;
        if (PostingRules.Post(e.Data, e.Sequence, scheme) is { } entry)
            operations.Store(entry);
    }
}
