using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityPass.Host.Security;

/// <summary>
/// Every string in an HTTP request body is refused (400) when it holds a control character (U+0000–U+001F, U+007F–U+009F,
/// escaped in the JSON): names, addresses and e-mails never need one, and they break logs, CSV exports and printed cards.
/// Only for reading HTTP bodies; what the host writes is unchanged.
/// </summary>
public sealed class NoControlCharacters : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetString();
        if (value is not null && (value.AsSpan().ContainsAnyInRange('\u0000', '\u001F') || value.AsSpan().ContainsAnyInRange('\u007F', '\u009F')))
            throw new JsonException("A text field holds a control character.");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>The same rule for the request's path and query string (decoded): 400 before any endpoint reads them.</summary>
public static class NoControlCharactersInUrls
{
    public static IApplicationBuilder UseNoControlCharactersInUrls(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HasControl(request.Path.Value) || request.Query.Any(q => HasControl(q.Key) || q.Value.Any(HasControl)))
            {
                await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Control character in the address",
                    detail: "The path or the query string holds a control character (U+0000–U+001F, U+007F–U+009F).").ExecuteAsync(context);
                return;
            }
            await next(context);
        });

    private static bool HasControl(string? value) =>
        value is not null && (value.AsSpan().ContainsAnyInRange('\u0000', '\u001F') || value.AsSpan().ContainsAnyInRange('\u007F', '\u009F'));
}
