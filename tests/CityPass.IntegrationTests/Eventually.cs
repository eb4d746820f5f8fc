using System.Diagnostics;
using System.Text.Json;

namespace CityPass.IntegrationTests;

/// <summary>
/// The one way the tests wait for an outcome that arrives on its own time (a consumer, a poller, a projection, the
/// broker): read again until it holds, or fail naming what was awaited and what was read last. Never a fixed sleep.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DefaultEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>Reads until <paramref name="holds"/> is true of what was read, and returns that reading.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> holds, string what,
        TimeSpan? within = null, TimeSpan? every = null)
    {
        var limit = within ?? DefaultWithin;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var last = await read();
            if (holds(last))
                return last;
            if (waited.Elapsed >= limit)
                throw new TimeoutException($"Not seen within {limit.TotalSeconds:0.#} s: {what}. Last read: {Describe(last)}");
            await Task.Delay(every ?? DefaultEvery);
        }
    }

    /// <summary>Probes until something is found, and returns it.</summary>
    public static async Task<T> FoundAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? within = null, TimeSpan? every = null)
        where T : class =>
        (await ReadAsync(probe, found => found is not null, what, within, every))!;

    /// <summary>Probes (without I/O of its own: a list a listener fills) until something is found, and returns it.</summary>
    public static Task<T> Found<T>(Func<T?> probe, string what, TimeSpan? within = null, TimeSpan? every = null)
        where T : class =>
        FoundAsync(() => Task.FromResult(probe()), what, within, every);

    /// <summary>Waits until the condition holds.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, TimeSpan? every = null) =>
        ReadAsync(condition, holds => holds, what, within, every);

    /// <summary>Waits until the condition (without I/O of its own) holds.</summary>
    public static Task Holds(Func<bool> condition, string what, TimeSpan? within = null, TimeSpan? every = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, within, every);

    private static string Describe<T>(T value)
    {
        if (value is null or bool)
            return value?.ToString() ?? "nothing";
        if (value is string text)
            return text.Length > 2_000 ? text[..2_000] + "…" : text;
        try
        {
            var json = JsonSerializer.Serialize(value, Api.Json);
            return json.Length > 2_000 ? json[..2_000] + "…" : json;
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
        {
            return value.ToString() ?? typeof(T).Name;
        }
    }
}
