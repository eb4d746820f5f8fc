using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityPass.Domain.Cards;

/// <summary>
/// Where the money of a load came from: an administrator, the demo's seed, or a payment provider. Stored in events and
/// ledger entries as its code alone ("stripe"), exactly as when it was a string.
/// </summary>
[JsonConverter(typeof(LoadSourceJsonConverter))]
public readonly record struct LoadSource(string Code)
{
    /// <summary>An administrator's credit: the scheme funds it.</summary>
    public static readonly LoadSource Admin = new("admin");

    /// <summary>The demo city's seed balances.</summary>
    public static readonly LoadSource Demo = new("demo");

    public static readonly LoadSource Stripe = new("stripe");

    /// <summary>The payment provider used when no Stripe key is configured.</summary>
    public static readonly LoadSource Sandbox = new("sandbox");

    /// <summary>A payment provider: the money sits in its clearing account until paid out.</summary>
    public bool IsPaymentProvider => this == Stripe || this == Sandbox;

    public override string ToString() => Code;
}

public sealed class LoadSourceJsonConverter : JsonConverter<LoadSource>
{
    public override LoadSource Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? throw new JsonException("A load source is a string."));

    public override void Write(Utf8JsonWriter writer, LoadSource value, JsonSerializerOptions options) => writer.WriteStringValue(value.Code);
}
