using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CityPass.Host.Infrastructure;

/// <summary>Shows NodaTime values in the OpenAPI document as the ISO-8601 strings they are on the wire.</summary>
public sealed class NodaTimeSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type == typeof(Instant))
        {
            schema.Type = JsonSchemaType.String;
            schema.Format = "date-time";
            schema.Properties?.Clear();
        }
        else if (type == typeof(LocalDate))
        {
            schema.Type = JsonSchemaType.String;
            schema.Format = "date";
            schema.Properties?.Clear();
        }
        return Task.CompletedTask;
    }
}
