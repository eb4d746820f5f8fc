using CityPass.Domain.Cardholders;
using CityPass.Domain.Cards;
using CityPass.Domain.Finance;
using CityPass.Domain.Payments;
using CityPass.Domain.Payments.AutoReloads;
using CityPass.Domain.Schemes;
using System.Runtime.CompilerServices;

namespace CityPass.Domain.Tests;

/// <summary>
/// Each aggregate's <c>EventTypes</c> is what its inline projection takes: an event of its stream missing from the list
/// would never reach the stored state. The lists must hold every event of the stream, found by the stream's own id.
/// </summary>
public class StreamEventTypesTests
{
    [Fact]
    public void Card_EventTypes_hold_every_card_event() =>
        AssertSame(EventsCarrying(typeof(Card), "CardId"), Card.EventTypes);

    [Fact]
    public void Reload_EventTypes_hold_every_reload_event() =>
        AssertSame(EventsCarrying(typeof(Reload), "ReloadId"), Reload.EventTypes);

    [Fact]
    public void AutoReload_EventTypes_hold_every_auto_reload_event() =>
        AssertSame(EventsCarrying(typeof(AutoReload), "CardId"), AutoReload.EventTypes);

    [Fact]
    public void CardReplacement_EventTypes_hold_every_replacement_event() =>
        AssertSame(EventsCarrying(typeof(CardReplacement), "ReplacementId"), CardReplacement.EventTypes);

    public static TheoryData<string> Aggregates() => ["Card", "Reload", "CardReplacement", "FinanceBooks", "Scheme"];

    /// <summary>
    /// Every type of the aggregate's namespace that its Evolve does something with (returns another state, or throws
    /// on the blank instance it is given) is in its EventTypes: the switch and the list cannot drift apart.
    /// </summary>
    [Theory]
    [MemberData(nameof(Aggregates))]
    public void Every_event_the_aggregate_folds_is_in_its_EventTypes(string name)
    {
        var (state, evolve, declared) = name switch
        {
            "Card" => (Blank<Card>(), (Func<object, object, object>)((s, e) => ((Card)s).Evolve(e)), Card.EventTypes),
            "Reload" => (Blank<Reload>(), (s, e) => ((Reload)s).Evolve(e), Reload.EventTypes),
            "CardReplacement" => (Blank<CardReplacement>(), (s, e) => ((CardReplacement)s).Evolve(e), CardReplacement.EventTypes),
            "FinanceBooks" => (FinanceBooks.Empty, (s, e) => ((FinanceBooks)s).Evolve(e), FinanceBooks.EventTypes),
            _ => ((object)Scheme.Empty, (Func<object, object, object>)((s, e) => ((Scheme)s).Evolve(e)), Scheme.EventTypes),
        };
        var aggregate = state.GetType();
        var folded = aggregate.Assembly.GetTypes()
            .Where(t => t.Namespace == aggregate.Namespace && t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && t != aggregate
                && !t.IsDefined(typeof(CompilerGeneratedAttribute), false))
            .Where(t => Folds(state, evolve, t))
            .ToList();
        Assert.NotEmpty(folded);
        Assert.Empty(folded.Except(declared).Select(t => $"{name}.Evolve folds {t.Name}, missing from {name}.EventTypes"));
    }

    private static object Blank<T>() => RuntimeHelpers.GetUninitializedObject(typeof(T));

    /// <summary>The switch's default arm returns the state itself; any other arm returns a new one or chokes on a blank event.</summary>
    private static bool Folds(object state, Func<object, object, object> evolve, Type type)
    {
        try
        {
            return !ReferenceEquals(evolve(state, RuntimeHelpers.GetUninitializedObject(type)), state);
        }
        catch (Exception)
        {
            return true;
        }
    }

    /// <summary>Sealed types of the aggregate's namespace carrying the stream's id (the finance posting test finds card events so too).</summary>
    internal static List<Type> EventsCarrying(Type aggregate, string streamId) =>
        aggregate.Assembly.GetTypes()
            .Where(t => t.Namespace == aggregate.Namespace && t.IsSealed && t != aggregate && t.GetProperty(streamId)?.PropertyType == typeof(Guid))
            .ToList();

    private static void AssertSame(List<Type> found, IReadOnlyList<Type> declared)
    {
        Assert.NotEmpty(found);
        Assert.Empty(found.Except(declared).Select(t => $"{t.Name} is not in EventTypes"));
        Assert.Empty(declared.Except(found).Select(t => $"{t.Name} is in EventTypes but carries no stream id"));
    }
}
