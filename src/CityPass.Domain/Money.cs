using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityPass.Domain;

/// <summary>An amount of euros held as integer cents. Arithmetic is checked: an overflow throws.</summary>
[JsonConverter(typeof(MoneyJsonConverter))]
public readonly record struct Money(long Cents) : IComparable<Money>
{
    public static readonly Money Zero = new(0);

    public static Money FromCents(long cents) => new(cents);

    public static Money operator +(Money a, Money b) => new(checked(a.Cents + b.Cents));
    public static Money operator -(Money a, Money b) => new(checked(a.Cents - b.Cents));
    public static bool operator <(Money a, Money b) => a.Cents < b.Cents;
    public static bool operator >(Money a, Money b) => a.Cents > b.Cents;
    public static bool operator <=(Money a, Money b) => a.Cents <= b.Cents;
    public static bool operator >=(Money a, Money b) => a.Cents >= b.Cents;

    public int CompareTo(Money other) => Cents.CompareTo(other.Cents);

    public override string ToString()
    {
        var sign = Cents < 0 ? "-" : "";
        var abs = Cents == long.MinValue ? (ulong)long.MaxValue + 1 : (ulong)Math.Abs(Cents);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / 100}.{abs % 100:00} EUR");
    }
}

/// <summary>Stores <see cref="Money"/> as a bare number of cents, in events and on the wire.</summary>
public sealed class MoneyJsonConverter : JsonConverter<Money>
{
    public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetInt64());

    public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Cents);
}

/// <summary>
/// The amounts the scheme accepts, from configuration (section <c>Ledger</c>): the largest load, the largest
/// pay-as-you-go fare a tariff may set, and the stored-value ceiling per card.
/// A zero, negative or over-ceiling load is refused before anything is written.
/// </summary>
public sealed record MoneyLimits(Money MaxLoad, Money MaxFare, Money MaxBalance)
{
    public static readonly MoneyLimits Default = new(Money.FromCents(100_00), Money.FromCents(50_00), Money.FromCents(150_00));

    public string? CheckLoad(Money amount) => Check(amount, MaxLoad, "load");

    private static string? Check(Money amount, Money ceiling, string what) =>
        amount.Cents <= 0 ? $"A {what} must be a positive number of cents (got {amount.Cents})."
        : amount > ceiling ? $"A {what} of {amount} is over the ceiling of {ceiling}."
        : null;
}
