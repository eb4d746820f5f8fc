using Npgsql;

namespace CityPass.Host.Infrastructure;

/// <summary>RFC 9457 problem responses (application/problem+json) with a message a person can act on.</summary>
public static class Problems
{
    public static ProblemHttpResult BadRequest(string title, string detail) => Problem(StatusCodes.Status400BadRequest, title, detail);

    public static ProblemHttpResult NotFound(string title, string detail) => Problem(StatusCodes.Status404NotFound, title, detail);

    public static ProblemHttpResult Conflict(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Problem(StatusCodes.Status409Conflict, title, detail, extensions);

    public static ProblemHttpResult Unprocessable(string title, string detail) =>
        Problem(StatusCodes.Status422UnprocessableEntity, title, detail);

    /// <summary>A decision's refusal: 400 when the request itself is invalid, 422 when it cannot be done as things stand.</summary>
    public static ProblemHttpResult Refused(CityPass.Domain.Refusal refusal) =>
        refusal.Code == "invalid"
            ? Problem(StatusCodes.Status400BadRequest, "Invalid request", refusal.Message, new Dictionary<string, object?> { ["code"] = refusal.Code })
            : Problem(StatusCodes.Status422UnprocessableEntity, "Refused", refusal.Message, new Dictionary<string, object?> { ["code"] = refusal.Code });

    private static ProblemHttpResult Problem(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    public static bool IsUniqueViolation(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || e.InnerException is { } inner && IsUniqueViolation(inner);
}
