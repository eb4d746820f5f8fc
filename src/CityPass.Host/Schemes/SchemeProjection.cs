using CityPass.Domain.Schemes;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CityPass.Host.Schemes;

/// <summary>The scheme as it stands, folded inline from its stream: a tap reads it as one row.</summary>
public sealed partial class SchemeProjection : SingleStreamProjection<Scheme, Guid>
{
    public override Scheme? Evolve(Scheme? snapshot, Guid id, IEvent e) => (snapshot ?? Scheme.Empty).Evolve(e.Data);
}
