namespace CityPass.Host.Infrastructure;

/// <summary>The loop of a background job that does one pass every period: a failed pass is reported and the next one tried.</summary>
public static class PeriodicPasses
{
    public static async Task RunEveryAsync(
        TimeSpan period, Func<CancellationToken, Task> pass, Action<Exception> failed, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await pass(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed(e);
            }
        }
    }
}
