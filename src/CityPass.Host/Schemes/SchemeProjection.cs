using CityPass.Domain.Schemes;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CityPass.Host.Schemes;

/// <summary>The scheme as it stands, folded inline from its stream: a tap reads it as one row.</summary>
public sealed partial class SchemeProjection : SingleStreamProjection<Scheme, Guid>
{
    public SchemeProjection()
    {
        // Only the streams of these events are this projection's: without it, Marten would load a Scheme document
        // for every stream a session writes (a card's included), one round trip per projection.
        foreach (var type in Scheme.EventTypes)
            IncludeType(type);
    }

    public override Scheme? Evolve(Scheme? snapshot, Guid id, IEvent e) => (snapshot ?? Scheme.Empty).Evolve(e.Data);
}
