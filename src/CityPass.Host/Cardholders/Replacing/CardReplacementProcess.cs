using CityPass.Domain.Cardholders;
using CityPass.Host.Accounts;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace CityPass.Host.Cardholders.Replacing;

/// <summary>Folds a replacement's stream inline, so the process (and the cardholder) read one row.</summary>
public sealed partial class CardReplacementProjection : SingleStreamProjection<CardReplacement, Guid>
{
    public CardReplacementProjection()
    {
        // Only the streams of these events are this projection's: without it, Marten would load a CardReplacement document
        // for every stream a session writes (a card's included), one round trip per projection.
        foreach (var type in CardReplacement.EventTypes)
            IncludeType(type);
    }

    public override CardReplacement? Evolve(CardReplacement? snapshot, Guid id, IEvent e) => (snapshot, e.Data) switch
    {
        (null, CardReplacementRequested requested) => CardReplacement.From(requested),
        (not null, var data) => snapshot.Evolve(data),
        _ => snapshot,
    };
}

/// <summary>
/// Runs a card replacement one step at a time. Each step is one transaction that writes the replacement stream (at the
/// version it read) together with the one card it changes, so a step is done once: a twin runner, a retry after a crash
/// or the resumer loses the race on the replacement stream, reads the new state and goes on from there.
/// Order: block the lost card (deny list) → take its holdings off it → put them on the replacement → completed.
/// </summary>
public sealed class CardReplacementProcess(IDocumentStore store, IClock clock, ILogger<CardReplacementProcess> logger)
{
    /// <summary>Tests interrupt the process before a step (throwing), as a crash would.</summary>
    public Func<CardReplacement, ReplacementStep, Task>? BeforeStep { get; set; }

    public async Task<CardReplacement> RunAsync(Guid replacementId, CancellationToken ct)
    {
        while (true)
        {
            var (state, step) = await store.WriteAsync((session, token) => StepAsync(session, replacementId, token), ct);
            if (step is null)
                return state;
            logger.LogInformation("Card replacement {ReplacementId}: {Step} done", replacementId, step);
        }
    }

    /// <returns>The replacement as it stood, and the step taken (none once there is nothing left to do).</returns>
    private async Task<(CardReplacement State, ReplacementStep? Step)> StepAsync(
        IDocumentSession session, Guid replacementId, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<CardReplacement>(replacementId, ct);
        var state = stream.Aggregate ?? throw new InvalidOperationException($"No card replacement {replacementId}.");
        var step = state.Step;
        if (step is ReplacementStep.Completed or ReplacementStep.AwaitingReplacement)
            return (state, null);
        if (BeforeStep is { } hook)
            await hook(state, step);

        var now = clock.GetCurrentInstant();
        switch (step)
        {
            case ReplacementStep.Requested:
            {
                var old = await session.Events.FetchForWriting<Card>(state.OldCardId, ct);
                var version = old.StartingVersion ?? 0;
                if (CardDecisions.Decide(old.Aggregate!, new BlockCard(state.Reason), now) is { } blocked)
                {
                    old.AppendOne(blocked);
                    version++;
                }
                stream.AppendOne(new ReplacedCardBlocked(replacementId, state.OldCardId, version, now));
                break;
            }
            case ReplacementStep.OldCardBlocked:
            {
                var old = await session.Events.FetchForWriting<Card>(state.OldCardId, ct);
                var card = old.Aggregate!;
                var moved = CardReplacementDecisions.MoveOut(card, replacementId, state.NewCardId!.Value, now)!;
                old.AppendOne(moved);
                stream.AppendOne(new ReplacementValueMovedOut(replacementId, state.OldCardId, (old.StartingVersion ?? 0) + 1, moved.Holdings, now));
                break;
            }
            case ReplacementStep.ValueMovedOut:
            {
                var target = await session.Events.FetchForWriting<Card>(state.NewCardId!.Value, ct);
                var card = target.Aggregate!;
                var events = CardReplacementDecisions.MoveIn(card, replacementId, state.OldCardId, state.InTransit!, now);
                var after = events.Aggregate(card, (c, e) => c.Evolve(e));
                target.AppendMany(events.ToArray());
                stream.AppendOne(new ReplacementValueMovedIn(replacementId, card.Id, after.Balance, after.Debt, now));
                break;
            }
            case ReplacementStep.ValueMovedIn:
                stream.AppendOne(new CardReplacementCompleted(replacementId, now));
                break;
        }
        return (state, step);
    }
}

/// <summary>
/// Finishes replacements a crash left halfway: every <c>Cardholders:ResumeEverySeconds</c>, those unchanged for
/// <c>Cardholders:ResumeAfterSeconds</c> (by the scheme's clock) are run again from their last recorded step.
/// </summary>
public sealed class ReplacementResumer(IDocumentStore store, CardReplacementProcess process, IClock clock,
    Microsoft.Extensions.Options.IOptions<CardholderOptions> options, ILogger<ReplacementResumer> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicPasses.RunEveryAsync(TimeSpan.FromSeconds(Math.Max(1, options.Value.ResumeEverySeconds)), ResumeStalledAsync,
            e => logger.LogError(e, "Resuming card replacements failed; will try again"), stoppingToken);

    public async Task<int> ResumeStalledAsync(CancellationToken ct)
    {
        var before = (clock.GetCurrentInstant() - Duration.FromSeconds(options.Value.ResumeAfterSeconds)).ToUnixTimeMilliseconds();
        IReadOnlyList<Guid> stalled;
        await using (var query = store.QuerySession())
            stalled = await query.Query<CardReplacement>()
                .Where(r => !r.Completed && r.LastChangedUnixMilliseconds < before)
                .Select(r => r.Id).ToListAsync(ct);
        foreach (var id in stalled)
            await process.RunAsync(id, ct);
        return stalled.Count;
    }
}
