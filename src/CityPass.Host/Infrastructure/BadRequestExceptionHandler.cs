using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// A body that is not JSON, or not the JSON an endpoint expects, is the caller's mistake: 400 problem+json saying what
/// could not be read, never a 500.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
            return false;
        http.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Unreadable request",
                Detail = Describe(bad),
            },
        });
    }

    // The framework's messages name parameter and .NET types ("Failed to read parameter \"LinkCardRequest request\"…"): the
    // caller learns what is wrong and where in the JSON, not how the host is built.
    private static string Describe(BadHttpRequestException bad) => bad switch
    {
        { StatusCode: StatusCodes.Status413PayloadTooLarge } => "The request body is larger than this endpoint accepts.",
        { InnerException: System.Text.Json.JsonException { Path: { Length: > 0 } path } } => $"The body is not the JSON this endpoint expects (at {path}).",
        { InnerException: System.Text.Json.JsonException } => "The body is not the JSON this endpoint expects.",
        _ => "The request could not be read (a missing or malformed body, header or parameter).",
    };
}
