using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace CityPass.Host.Security;

/// <summary>Section <c>RateLimits</c>: requests per minute and client address (behind a proxy: see ForwardedHeaders).</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sign-in, registration, confirmation and password reset (<c>/account/*</c>).</summary>
    public int AccountPerMinute { get; set; } = 10;

    /// <summary>Any other write (POST, PUT, PATCH, DELETE) of a client without a token: webhooks, terminals' uploads, the sandbox.</summary>
    public int AnonymousWritesPerMinute { get; set; } = 300;

    /// <summary>Attempts per hour and account to add a card (or name a replacement) by its printed number: against guessing numbers.</summary>
    public int CardClaimsPerHour { get; set; } = 20;
}

/// <summary>
/// ASP.NET Core's rate limiter against password guessing, mass registration and floods of anonymous writes: fixed windows
/// per client address, refused with 429 and <c>Retry-After</c>.
/// </summary>
public static class RateLimits
{
    public const string AccountPolicy = "account";
    public const string CardClaimPolicy = "card-claim";

    public static IServiceCollection AddCityPassRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection("RateLimits").Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
            o.AddPolicy(AccountPolicy, http => PerMinute("account:" + Client(http), limits.AccountPerMinute));
            o.AddPolicy(CardClaimPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                "card-claim:" + (http.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? Client(http)),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.CardClaimsPerHour, Window = TimeSpan.FromHours(1), QueueLimit = 0 }));
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method)
                || http.Request.Headers.Authorization.Count > 0
                    ? RateLimitPartition.GetNoLimiter("")
                    : PerMinute("anonymous-writes:" + Client(http), limits.AnonymousWritesPerMinute));
        });
        return services;
    }

    private static string Client(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static RateLimitPartition<string> PerMinute(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
}
