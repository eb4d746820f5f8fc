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

    /// <summary>
    /// How far before the previous pass's cutoff a pass looks again. A line's time is its write time (the decision's), so
    /// no line older than a past cutoff appears after that pass but for a clock set back: an hour of them is read again.
    /// </summary>
    public static readonly Duration Overlap = Duration.FromHours(1);

    /// <summary>
    /// Pseudonymises every visit older than the identifiable period; returns how many. A pass reads only the lines since
    /// the previous pass's cutoff (<see cref="VisitSweep"/>), by the time index: its cost follows the visits of the period
    /// since, not the years of statements before it (docs/performance.md, City scale).
    /// </summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var cutoff = (clock.GetCurrentInstant() - Duration.FromHours(options.Value.IdentifiableVisitHours)).ToUnixTimeMilliseconds();
        long from;
        await using (var query = store.QuerySession())
            from = (await query.LoadAsync<VisitSweep>(VisitSweep.TheId, ct))?.DoneBeforeUnixMilliseconds - (long)Overlap.TotalMilliseconds ?? long.MinValue;
        var total = 0;
        // Pages in time order, each starting at the time the previous one reached: a line pseudonymised moves to the start
        // of its day, behind the page's start, so no page reads the lines done before it. (Pages that each started again at
        // the pass's start read every line done so far: a pass grew with the square of a day's visits, 1.4 s a page of
        // 500 by the middle of a city's 83,000-visit day.)
        var pageFrom = from;
        while (true)
        {
            await using var session = store.LightweightSession();
            var lines = await session.Query<CardHistoryLine>()
                .Where(l => l.AtUnixMilliseconds >= pageFrom && l.AtUnixMilliseconds < cutoff && !l.Pseudonymised && (l.Kind == "charged" || l.Kind == "entry"))
                .OrderBy(l => l.AtUnixMilliseconds)
                .Take(BatchSize)
                .ToListAsync(ct);
            if (lines.Count == 0)
            {
                if (from < cutoff - (long)Overlap.TotalMilliseconds)
                {
                    session.Store(new VisitSweep(VisitSweep.TheId, cutoff));
                    await session.SaveChangesAsync(ct);
                }
                return total;
            }
            foreach (var line in lines)
                session.Store(Pseudonymise(line));
            await session.SaveChangesAsync(ct);
            total += lines.Count;
            // Lines of the same millisecond not in this page are still found: the next page starts at that millisecond.
            pageFrom = lines[^1].AtUnixMilliseconds;
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

/// <summary>Every visit before <see cref="DoneBeforeUnixMilliseconds"/> was pseudonymised by a pass (one document).</summary>
public sealed record VisitSweep(string Id, long DoneBeforeUnixMilliseconds)
{
    public const string TheId = "visits";
}
