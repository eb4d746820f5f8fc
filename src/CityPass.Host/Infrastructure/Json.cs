using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime.Serialization.SystemTextJson;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// One JSON configuration for events in Marten, messages on RabbitMQ and HTTP bodies.
/// Without the NodaTime converters an Instant silently comes back as 1970-01-01.
/// </summary>
public static class Json
{
    /// <summary>The options as the HTTP API uses them (camelCase), for values stored as JSON text.</summary>
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
        // Dictionary keys are ids ("piscine-brequigny", "income-85"): never re-cased.
        options.DictionaryKeyPolicy = null;
        if (!options.Converters.OfType<JsonStringEnumConverter>().Any())
            options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }
}
