using System.Runtime.CompilerServices;
using CityPass.Domain.Payments;
using CityPass.Domain.Payments.AutoReloads;
using CityPass.Host.Cards;
using CityPass.Host.Payments.Gateways;
using Marten.Services;
using Microsoft.Extensions.Options;
using Card = CityPass.Domain.Cards.Card;

namespace CityPass.Host.Payments.AutoReloads;

/// <summary>
/// Automatic reloading, inside the transactions that move money (every write through <see cref="Writes"/>, and the tap
/// paths that save their own sessions):
/// <list type="bullet">
/// <item>a charge (a fare, a purchase, an offline tap) that takes a card's balance from at or above its threshold to under it
/// appends <see cref="AutoReloadTriggered"/>, starts the reload (<see cref="ReloadRequested"/>, automatic) and reserves its
/// amount on the card, in the charge's own transaction: the card stream's optimistic concurrency lets one crossing commit
/// once, whatever the hosts and retries;</item>
/// <item>a reload that ends (credited, failed, canceled) tells its automatic reloading (<see cref="AutoReloadDecisions.OnReloadEnded"/>):
/// a failure stops it and records an <see cref="AutoReloadNotice"/> for the holder.</item>
/// </list>
/// Once committed, the <see cref="AutoReloadSender"/> is woken to ask the provider for the off-session payment.
/// </summary>
public sealed partial class AutoReloadListener(IServiceProvider services, ILogger<AutoReloadListener> logger)
    : DocumentSessionListenerBase, IBeforeSave
{
    private static readonly ConditionalWeakTable<IDocumentSession, object> Staged = new();

    public async Task BeforeSaveAsync(IDocumentSession session, CancellationToken ct)
    {
        var streams = session.PendingChanges.Streams().ToList();
        var charged = streams.Where(s => s.Events.Any(e => e.Data is FareCharged or ProductPurchased)).Select(s => s.Id).Distinct().ToList();
        var ended = streams.Where(s => s.Events.Any(e => e.Data is ReloadCredited or ReloadPaymentFailed or ReloadCanceled or ReloadAbandoned
            or ReloadFlagged { Flag: ReloadFlag.AmountMismatch or ReloadFlag.CurrencyMismatch })).ToList();
        if (charged.Count == 0 && ended.Count == 0)
            return;
        if (streams.Any(s => s.Events.Any(e => e.Data is AutoReloadTriggered or AutoReloadSettled or AutoReloadStopped)))
            return; // staged already for this attempt
        var now = services.GetRequiredService<IClock>().GetCurrentInstant();
        var triggered = charged.Count > 0 && await TriggerAsync(session, streams, charged, now, ct);
        if (ended.Count > 0)
            await SettleAsync(session, ended, now, ct);
        if (triggered)
            Staged.AddOrUpdate(session, true);
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (Staged.Remove(session))
            services.GetRequiredService<AutoReloadSender>().Wake();
        return Task.CompletedTask;
    }

    private async Task<bool> TriggerAsync(
        IDocumentSession session, List<JasperFx.Events.StreamAction> streams, List<Guid> charged, Instant now, CancellationToken ct)
    {
        // One round trip for every charge: only cards whose automatic reloading is active read more.
        var autos = (await session.LoadManyAsync<AutoReload>(ct, charged.Select(AutoReload.StreamIdFor).ToArray()))
            .Where(a => a.Status == AutoReloadStatus.Active && a.InFlight is null).ToList();
        if (autos.Count == 0)
            return false;
        var ledger = services.GetRequiredService<IOptions<LedgerOptions>>().Value.ToLimits();
        var payments = services.GetRequiredService<IOptions<PaymentOptions>>().Value;
        var provider = services.GetRequiredService<IPaymentGateway>().Provider;
        var cards = (await session.LoadManyAsync<Card>(ct, autos.Select(a => a.CardId).ToArray())).ToDictionary(c => c.Id);
        var any = false;
        foreach (var auto in autos)
        {
            if (!cards.TryGetValue(auto.CardId, out var committed))
                continue;
            // The committed card is the balance before this transaction's charges; its pending events give the balance after.
            var after = streams.Where(s => s.Id == auto.CardId).SelectMany(s => s.Events).Aggregate(committed, (c, e) => c.Evolve(e.Data));
            if (!(committed.Balance >= auto.Threshold && after.Balance < auto.Threshold))
                continue;
            var autoStream = await session.Events.FetchForWriting<AutoReload>(auto.Id, ct);
            var reloadId = AutoReloadDecisions.ReloadIdFor(auto.CardId, autoStream.CurrentVersion.GetValueOrDefault() + 1);
            var (trigger, refusal) = AutoReloadDecisions.OnCharge(autoStream.Aggregate, after, committed.Balance, reloadId, ledger,
                payments.AutoReloadLimits, now);
            if (trigger is null)
            {
                if (refusal is not null)
                    LogNotTriggered(auto.CardId, refusal);
                continue;
            }
            var (reserved, reserveRefusal) = CardDecisions.Decide(after, new ReserveReload(reloadId, trigger.Amount), ledger, now);
            if (reserveRefusal is not null)
            {
                LogNotTriggered(auto.CardId, reserveRefusal.Message);
                continue;
            }
            autoStream.AppendOne(trigger);
            session.Events.Append(auto.CardId, reserved!);
            session.Events.StartStream<Reload>(reloadId,
                new ReloadRequested(reloadId, auto.CardId, auto.AccountId, trigger.Amount, payments.Currency, provider, now, Automatic: true));
            LogTriggered(auto.CardId, reloadId, trigger.Amount.Cents, trigger.BalanceAfter.Cents);
            any = true;
        }
        return any;
    }

    private async Task SettleAsync(IDocumentSession session, List<JasperFx.Events.StreamAction> ended, Instant now, CancellationToken ct)
    {
        var reloads = (await session.LoadManyAsync<Reload>(ct, ended.Select(s => s.Id).Distinct().ToArray()))
            .Where(r => r.Automatic).ToDictionary(r => r.Id);
        if (reloads.Count == 0)
            return;
        foreach (var stream in ended.Where(s => reloads.ContainsKey(s.Id)))
        {
            var reload = reloads[stream.Id];
            var autoStream = await session.Events.FetchForWriting<AutoReload>(AutoReload.StreamIdFor(reload.CardId), ct);
            if (autoStream.Aggregate is not { } auto || auto.InFlight != reload.Id)
                continue;
            var data = stream.Events.Select(e => e.Data).ToList();
            var decided = data.Any(d => d is ReloadCredited) ? AutoReloadDecisions.OnReloadEnded(auto, reload.Id, null, now)
                : data.OfType<ReloadPaymentFailed>().LastOrDefault() is { } failed
                    ? AutoReloadDecisions.OnReloadEnded(auto, reload.Id, failed.Code ?? "payment_failed", now)
                : AutoReloadDecisions.OnReloadClosed(auto, reload.Id, now);
            if (decided.Count == 0)
                continue;
            autoStream.AppendMany(decided.ToArray());
            foreach (var stopped in decided.OfType<AutoReloadStopped>())
            {
                session.Store(AutoReloadNotice.Stopped(auto, stopped) with { MailedAt = now });
                await services.GetRequiredService<Mail.CardholderMails>().AutoReloadStoppedAsync(session, auto.AccountId, auto.CardId, stopped.Reason, now, ct);
                LogStopped(auto.CardId, reload.Id, stopped.Reason);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Card {CardId} crossed its threshold: automatic reload {ReloadId} of {AmountCents} cents (balance {BalanceCents})")]
    private partial void LogTriggered(Guid cardId, Guid reloadId, long amountCents, long balanceCents);

    [LoggerMessage(LogLevel.Information, "Card {CardId} crossed its threshold, no automatic reload: {Reason}")]
    private partial void LogNotTriggered(Guid cardId, string reason);

    [LoggerMessage(LogLevel.Warning, "Automatic reloading of card {CardId} stopped: reload {ReloadId} failed with {Reason}")]
    private partial void LogStopped(Guid cardId, Guid reloadId, string reason);
}
