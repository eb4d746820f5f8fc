namespace CityPass.Host.Mail;

/// <summary>Queues mails in a session (saved with the caller's transaction) and wakes the sender once a commit queued some.</summary>
public sealed class MailOutbox(TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Stages <paramref name="mail"/> in <paramref name="session"/>: it is sent only if that session commits.</summary>
    public void Queue(IDocumentSession session, OutgoingMail mail)
    {
        var now = time.GetUtcNow();
        session.Store(mail with { QueuedAtReal = now, NextAttemptUnixMilliseconds = now.ToUnixTimeMilliseconds() });
    }

    /// <summary>Tells the sender that mail is due (a no-op when it is already told).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // already woken
        }
    }

    /// <summary>The sender waits here between passes: woken by a commit, or after <paramref name="period"/>.</summary>
    internal Task<bool> WaitAsync(TimeSpan period, CancellationToken ct) => _wake.WaitAsync(period, ct);

    public void Dispose() => _wake.Dispose();
}
