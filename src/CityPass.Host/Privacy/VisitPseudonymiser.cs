using CityPass.Host.Cards;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Privacy;

/// <summary>
/// Visits stay identifiable (which terminal, at what moment) for <c>Privacy:IdentifiableVisitHours</c>, then their
/// statement lines keep only what the holder is entitled to for their statement: venue, product, fare, balance and the
/// day. Runs every <c>Privacy:SweepEveryMinutes</c>; "now" is the scheme's clock.
/// </summary>
public sealed class VisitPseudonymiser(IDocumentStore store, IClock clock, IOptions<PrivacyOptions> options, ILogger<VisitPseudonymiser> logger)
    : BackgroundService
{
    public const int BatchSize = 500;

    private static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(Math.Max(1, options.Value.SweepEveryMinutes)));
        do
        {
            try
            {
                await RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Pseudonymising visits failed; will try again");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Pseudonymises every visit older than the identifiable period; returns how many.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var cutoff = (clock.GetCurrentInstant() - Duration.FromHours(options.Value.IdentifiableVisitHours)).ToUnixTimeMilliseconds();
        var total = 0;
        while (true)
        {
            await using var session = store.LightweightSession();
            var lines = await session.Query<CardHistoryLine>()
                .Where(l => !l.Pseudonymised && l.AtUnixMilliseconds < cutoff && (l.Kind == "charged" || l.Kind == "entry"))
                .Take(BatchSize)
                .ToListAsync(ct);
            if (lines.Count == 0)
                return total;
            foreach (var line in lines)
                session.Store(Pseudonymise(line));
            await session.SaveChangesAsync(ct);
            total += lines.Count;
        }
    }

    public static CardHistoryLine Pseudonymise(CardHistoryLine line)
    {
        var day = line.At.InZone(Paris).Date;
        return line with
        {
            TerminalId = null,
            At = day.AtStartOfDayInZone(Paris).ToInstant(),
            Detail = line.Kind == "charged" ? $"visit on {day:yyyy-MM-dd}" : line.Detail,
            Pseudonymised = true,
        };
    }
}
