using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// One JSON configuration for events in Marten, messages on RabbitMQ and HTTP bodies.
/// Without the NodaTime converters an Instant silently comes back as 1970-01-01.
/// </summary>
public static class Json
{
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
        if (!options.Converters.OfType<JsonStringEnumConverter>().Any())
            options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }
}
