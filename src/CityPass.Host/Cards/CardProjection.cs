using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CityPass.Host.Cards;

/// <summary>
/// Folds a card's stream into its <see cref="Card"/> state, inline: the snapshot is written in the same transaction
/// as the events, so reading a card costs one row whatever the length of its history.
/// Dispatches explicitly to the domain's From/Evolve so the domain project needs no Marten source generator.
/// </summary>
public sealed partial class CardProjection : SingleStreamProjection<Card, Guid>
{
    public CardProjection()
    {
        // Only card streams: the deny list's, a reload's or the scheme's are none of this projection's business.
        foreach (var type in Card.EventTypes)
            IncludeType(type);
    }

    public override Card? Evolve(Card? snapshot, Guid id, IEvent e) => (snapshot, e.Data) switch
    {
        (null, CardIssued issued) => Card.From(issued),
        (not null, var data) => snapshot.Evolve(data),
        _ => snapshot,
    };
}
