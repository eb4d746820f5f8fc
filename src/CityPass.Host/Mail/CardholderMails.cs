using CityPass.Domain.Cardholders;
using CityPass.Domain.Payments;
using CityPass.Host.Accounts;
using CityPass.Host.Cardholders;
using CityPass.Host.Cardholders.Linking;
using Marten.Services;

namespace CityPass.Host.Mail;

/// <summary>
/// The cardholders' mails that follow from events, queued in the transaction that records them (so a mail is sent if
/// and only if what it tells was committed, and never holds that transaction up): a reload credited → its receipt; a
/// card blocked as lost or stolen → "card blocked"; a replacement completed → "replacement ready". Runs before every
/// write made through <see cref="Writes"/> (<see cref="IBeforeSave"/>), and wakes the sender after any commit that queued mail.
/// </summary>
public sealed class CardholderMails(MailOutbox outbox, MailTexts texts, PrintedNumber printed) : DocumentSessionListenerBase, IBeforeSave
{
    private static readonly HashSet<string> BlockReasonsTold = new(StringComparer.Ordinal) { "lost", "stolen" };

    public async Task BeforeSaveAsync(IDocumentSession session, CancellationToken ct)
    {
        var events = session.PendingChanges.Streams().SelectMany(s => s.Events.Select(e => e.Data)).ToList();
        foreach (var data in events)
        {
            switch (data)
            {
                case ReloadCredited credited:
                    await ReloadReceiptAsync(session, credited, ct);
                    break;
                case CardBlocked blocked when BlockReasonsTold.Contains(blocked.Reason):
                    await CardBlockedAsync(session, blocked, ct);
                    break;
                case CardReplacementCompleted completed:
                    await ReplacementReadyAsync(session, completed, ct);
                    break;
            }
        }
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (commit.Inserted.Concat(commit.Updated).OfType<OutgoingMail>().Any(m => m.Pending && m.Attempts == 0))
            outbox.Wake();
        return Task.CompletedTask;
    }

    private async Task ReloadReceiptAsync(IDocumentSession session, ReloadCredited credited, CancellationToken ct)
    {
        var reload = await session.LoadAsync<Reload>(credited.ReloadId, ct);
        if (await RecipientAsync(session, reload?.AccountId, ct) is not { } user || await PrintedAsync(session, credited.CardId, ct) is not { } number)
            return;
        var culture = MailTexts.CultureOf(user.Language);
        Queue(session, MailKinds.ReloadReceipt, user,
            texts.ReloadReceipt(culture, number, credited.Amount, credited.BalanceAfter, credited.CreditedAt, credited.ReloadId), credited.CreditedAt);
    }

    private async Task CardBlockedAsync(IDocumentSession session, CardBlocked blocked, CancellationToken ct)
    {
        var owner = await session.LoadAsync<CardOwnership>(blocked.CardId, ct);
        if (await RecipientAsync(session, owner?.AccountId, ct) is not { } user || await PrintedAsync(session, blocked.CardId, ct) is not { } number)
            return;
        var culture = MailTexts.CultureOf(user.Language);
        Queue(session, MailKinds.CardBlocked, user, texts.CardBlocked(culture, number, blocked.Reason, blocked.BlockedAt), blocked.BlockedAt);
    }

    private async Task ReplacementReadyAsync(IDocumentSession session, CardReplacementCompleted completed, CancellationToken ct)
    {
        if (await session.LoadAsync<CardReplacement>(completed.ReplacementId, ct) is not { NewCardId: { } newCardId } replacement)
            return;
        var accountId = replacement.AccountId ?? (await session.LoadAsync<CardOwnership>(newCardId, ct))?.AccountId;
        if (await RecipientAsync(session, accountId, ct) is not { } user
            || await PrintedAsync(session, newCardId, ct) is not { } newNumber
            || await PrintedAsync(session, replacement.OldCardId, ct) is not { } oldNumber)
            return;
        var culture = MailTexts.CultureOf(user.Language);
        var moved = replacement.InTransit;
        Queue(session, MailKinds.ReplacementReady, user,
            texts.ReplacementReady(culture, newNumber, oldNumber, moved?.Balance ?? Money.Zero, moved?.Rights.Count ?? 0, completed.CompletedAt),
            completed.CompletedAt);
    }

    /// <summary>
    /// "Automatic reloading stopped", queued by the automatic reloading's own hook in the transaction that stops it (it runs
    /// after this one's pass over the events, so it calls in).
    /// </summary>
    public async Task AutoReloadStoppedAsync(IDocumentSession session, string accountId, Guid cardId, string reason, Instant at, CancellationToken ct)
    {
        if (await RecipientAsync(session, accountId, ct) is not { } user || await PrintedAsync(session, cardId, ct) is not { } number)
            return;
        Queue(session, MailKinds.AutoReloadStopped, user, texts.AutoReloadStopped(MailTexts.CultureOf(user.Language), number, reason, at), at);
    }

    /// <summary>The account to write to: one that exists, has an address and confirmed it (an erased account has none).</summary>
    private static async Task<CardholderUser?> RecipientAsync(IDocumentSession session, string? accountId, CancellationToken ct) =>
        accountId is null ? null
        : await session.LoadAsync<CardholderUser>(accountId, ct) is { Email.Length: > 0, EmailConfirmed: true } user ? user
        : null;

    private async Task<string?> PrintedAsync(IDocumentSession session, Guid cardId, CancellationToken ct) =>
        await session.LoadAsync<Card>(cardId, ct) is { } card ? printed.For(card.Uid) : null;

    private void Queue(IDocumentSession session, string kind, CardholderUser user, MailText text, Instant at) =>
        outbox.Queue(session, new OutgoingMail(Guid.CreateVersion7(), kind, user.Id, user.Email!, text.Subject, text.Body, at)
        {
            Language = MailTexts.CultureOf(user.Language).TwoLetterISOLanguageName,
        });
}
