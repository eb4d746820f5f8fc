using System.Runtime.CompilerServices;
using CityPass.Domain.Cards;
using CityPass.Host.Cards;
using JasperFx.Events;

namespace CityPass.IntegrationTests.Cards;

/// <summary>The statement's two lists of the events that make a line agree. No host.</summary>
public class CardStatementTests
{
    /// <summary>
    /// A page asks PostgreSQL for the event types in <see cref="CardStatement.LineEvents"/> only, and
    /// <see cref="CardStatement.LineOf"/> shapes them: an event type given a line in one and forgotten in the other would
    /// never appear on a statement. Every type of the domain is offered to <c>LineOf</c> (as an empty instance: an arm
    /// that matches it returns a line or throws on its empty fields; one that does not returns null).
    /// </summary>
    [Fact]
    public void The_event_types_a_page_reads_are_exactly_those_that_make_a_line()
    {
        var shaped = typeof(CardIssued).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract && !t.IsInterface && !t.IsGenericTypeDefinition && !t.IsEnum)
            .Where(MakesALine)
            .ToHashSet();

        Assert.Equal(CardStatement.LineEvents.ToHashSet(), shaped);
    }

    private static bool MakesALine(Type type)
    {
        var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(type), RuntimeHelpers.GetUninitializedObject(type))!;
        try
        {
            return CardStatement.LineOf(e) is not null;
        }
        catch (Exception ex) when (ex is NullReferenceException or ArgumentException or InvalidOperationException or FormatException)
        {
            return true;
        }
    }
}
