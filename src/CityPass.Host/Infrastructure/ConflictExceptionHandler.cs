using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// A write that lost its race (<see cref="ConflictRetry.IsConflict"/>), on every one of <see cref="ConflictRetry.MaxAttempts"/>
/// attempts when it goes through <see cref="ConflictRetry"/>, wrote nothing (each attempt's transaction was rolled back):
/// the caller is told so and asked to send it again, 503 with Retry-After, never a 500. Seen once in a city's build
/// (2026-12-01): a desk block lost the deny-list stream's version to the other blocks in flight 40 times (blocks now take
/// their turn on that stream: <see cref="Terminals.DenyListTracking"/>); sent again, it succeeded.
/// </summary>
public sealed class ConflictExceptionHandler(IProblemDetailsService problems, ILogger<ConflictExceptionHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 1;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (!ConflictRetry.IsConflict(exception))
            return false;
        logger.LogWarning("{Method} {Path}: lost its race to other writes ({Reason}); nothing was written, the caller is asked to retry",
            http.Request.Method, http.Request.Path, exception.Message);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Busy: try again",
                Detail = "Other writes changed the same records on every attempt, so nothing was written. Send the same request again.",
            },
        });
    }
}
