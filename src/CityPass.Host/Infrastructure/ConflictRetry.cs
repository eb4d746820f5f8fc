using JasperFx;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// Optimistic concurrency: a write that lost a race (the card stream moved on, or the same idempotency id was
/// inserted by a twin request) is decided again from fresh state, a bounded number of times.
/// </summary>
public static class ConflictRetry
{
    public const int MaxAttempts = 40;

    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken ct)
    {
        for (var n = 1; ; n++)
        {
            try
            {
                return await attempt(ct);
            }
            catch (Exception e) when (IsConflict(e) && n < MaxAttempts)
            {
                // Spread the retries of racing writers so they do not collide again in lockstep.
                await Task.Delay(Random.Shared.Next(0, Math.Min(n, 10) + 1), ct);
            }
        }
    }

    /// <summary>A lost race: the stream moved on, a twin inserted the same id, or the same unique key (a card counter).</summary>
    public static bool IsConflict(Exception e) =>
        e is ConcurrencyException or DocumentAlreadyExistsException
        || Problems.IsUniqueViolation(e)
        || e.InnerException is { } inner && IsConflict(inner);
}
