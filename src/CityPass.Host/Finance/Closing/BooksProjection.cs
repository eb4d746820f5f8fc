using CityPass.Domain.Finance;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CityPass.Host.Finance.Closing;

/// <summary>The books' state (closed days, recorded provider rows, discrepancies), folded inline from the books stream.</summary>
public sealed partial class BooksProjection : SingleStreamProjection<FinanceBooks, Guid>
{
    public BooksProjection()
    {
        // Only the streams of these events are this projection's: without it, Marten would load a FinanceBooks document
        // for every stream a session writes (a card's included), one round trip per projection.
        foreach (var type in FinanceBooks.EventTypes)
            IncludeType(type);
    }

    public override FinanceBooks? Evolve(FinanceBooks? snapshot, Guid id, IEvent e) => (snapshot ?? FinanceBooks.Empty).Evolve(e.Data);
}

/// <summary>A closed day's statement as a document (id yyyy-MM-dd), inserted once in the same transaction as its DayClosed.</summary>
public sealed record ClosedDayStatement(string Id, DayStatement Statement, string ClosedBy, NodaTime.Instant ClosedAt);
