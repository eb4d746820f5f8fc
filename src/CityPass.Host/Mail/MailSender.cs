using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;

namespace CityPass.Host.Mail;

/// <summary>
/// Drains the outbox: sends the mails that are due through the SMTP relay, marks each one sent as soon as the relay
/// accepted it, and on failure waits before trying again (doubling from <see cref="MailOptions.RetryMinSeconds"/> to
/// <see cref="MailOptions.RetryMaxSeconds"/>) until <see cref="MailOptions.GiveUpAfterHours"/>. A pass runs on one host at
/// a time (a PostgreSQL advisory lock per schema, on a connection of its own). Delivery is at least once: a host that
/// dies between the relay's "accepted" and the mark sends that mail again; its Message-Id stays the same.
/// </summary>
public sealed partial class MailSender(
    IDocumentStore store, MailOutbox outbox, IOptions<MailOptions> options, IConfiguration configuration, TimeProvider time,
    ILogger<MailSender> logger) : BackgroundService
{
    /// <summary>The next attempt of a mail that is done (sent or given up): never, so the index on it leads to pending mail only.</summary>
    public const long Done = long.MaxValue;

    private MailOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(Math.Max(1, Options.PollSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = poll;
            try
            {
                if (await RunOnceAsync(stoppingToken) is { } next && next < wait)
                    wait = next;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPassFailed(e);
            }
            try
            {
                await outbox.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One pass: sends what is due. Returns how long until the next pending mail is due (zero when a full batch was sent and
    /// more may wait), or null when nothing is pending or another host holds the lock.
    /// </summary>
    public async Task<TimeSpan?> RunOnceAsync(CancellationToken ct)
    {
        // Most passes find nothing due: ask on a pooled session first, and take the lock (a connection of its own) only for work.
        await using (var query = store.QuerySession())
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (!await query.Query<OutgoingMail>().AnyAsync(m => m.Pending && m.NextAttemptUnixMilliseconds <= now, ct))
                return await NextDueAsync(query, ct);
        }

        await using var held = await AdvisoryLocks.TryTakeAsync(configuration.GetConnectionString("Marten")!, "citypass-mail-sender", store.Options.DatabaseSchemaName, ct);
        if (held is null)
            return null;

        await using var session = store.LightweightSession();
        var batch = Math.Max(1, Options.BatchSize);
        var dueBy = time.GetUtcNow().ToUnixTimeMilliseconds();
        var due = await session.Query<OutgoingMail>()
            .Where(m => m.Pending && m.NextAttemptUnixMilliseconds <= dueBy)
            .OrderBy(m => m.NextAttemptUnixMilliseconds)
            .Take(batch)
            .ToListAsync(ct);
        if (due.Count > 0)
            await SendAsync(session, due, ct);
        return due.Count == batch ? TimeSpan.Zero : await NextDueAsync(session, ct);
    }

    /// <summary>How long until the next pending mail is due; null when none is pending.</summary>
    private async Task<TimeSpan?> NextDueAsync(IQuerySession session, CancellationToken ct)
    {
        var next = await session.Query<OutgoingMail>().Where(m => m.Pending)
            .OrderBy(m => m.NextAttemptUnixMilliseconds).Select(m => m.NextAttemptUnixMilliseconds).Take(1).ToListAsync(ct);
        return next.Count == 0 ? null : TimeSpan.FromMilliseconds(Math.Max(0, next[0] - time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private async Task SendAsync(IDocumentSession session, IReadOnlyList<OutgoingMail> due, CancellationToken ct)
    {
        using var smtp = new SmtpClient { Timeout = 30_000 };
        Exception? unreachable = null;
        try
        {
            var host = string.IsNullOrWhiteSpace(Options.Host) ? throw new InvalidOperationException("Mail:Host is not set.") : Options.Host;
            await smtp.ConnectAsync(host, Options.Port, Security(Options), ct);
            if (!string.IsNullOrEmpty(Options.User))
                await smtp.AuthenticateAsync(Options.User, Options.Password ?? "", ct);
        }
        catch (Exception e) when (IsRelayFailure(e, ct))
        {
            unreachable = e;
            LogRelayUnreachable(Options.Host, Options.Port, due.Count, e.Message);
        }

        foreach (var mail in due)
        {
            OutgoingMail after;
            if (unreachable is not null)
                after = Failed(mail, unreachable, permanent: false);
            else
            {
                try
                {
                    await smtp.SendAsync(Message(mail), ct);
                    after = mail with { Pending = false, SentAt = time.GetUtcNow(), Attempts = mail.Attempts + 1, LastError = null, NextAttemptUnixMilliseconds = Done };
                    LogSent(mail.Id, mail.Kind, mail.AccountId);
                }
                catch (Exception e) when (e is ParseException or ArgumentException)
                {
                    after = Failed(mail, e, permanent: true); // an address no relay will ever take
                }
                catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
                {
                    after = Failed(mail, e, permanent: true); // the relay refuses it for good (unknown recipient, rejected sender)
                    if (smtp.IsConnected)
                        await smtp.NoOpAsync(ct); // the relay is still there for the next mail
                }
                catch (Exception e) when (IsRelayFailure(e, ct))
                {
                    after = Failed(mail, e, permanent: false);
                    if (!smtp.IsConnected)
                        unreachable = e;
                }
            }
            session.Store(after);
            await session.SaveChangesAsync(ct); // one by one: a crash resends at most the mail in flight
        }

        if (smtp.IsConnected)
        {
            try
            {
                await smtp.DisconnectAsync(quit: true, ct);
            }
            catch (Exception e) when (IsRelayFailure(e, ct))
            {
                // sent and marked already; the relay may drop a QUIT
            }
        }
    }

    private OutgoingMail Failed(OutgoingMail mail, Exception e, bool permanent)
    {
        var now = time.GetUtcNow();
        var attempts = mail.Attempts + 1;
        if (permanent || now - mail.QueuedAtReal > TimeSpan.FromHours(Options.GiveUpAfterHours))
        {
            LogGaveUp(mail.Id, mail.Kind, mail.AccountId, attempts, e.Message);
            return mail with { Pending = false, GaveUpAt = now, Attempts = attempts, LastError = e.Message, NextAttemptUnixMilliseconds = Done };
        }
        var wait = TimeSpan.FromSeconds(Math.Min(Math.Max(1, Options.RetryMaxSeconds),
            Math.Max(1, Options.RetryMinSeconds) * Math.Pow(2, Math.Min(attempts - 1, 20))));
        LogWillRetry(mail.Id, mail.Kind, attempts, wait.TotalSeconds, e.Message);
        return mail with { Attempts = attempts, LastError = e.Message, NextAttemptUnixMilliseconds = (now + wait).ToUnixTimeMilliseconds() };
    }

    private MimeMessage Message(OutgoingMail mail)
    {
        var from = MailboxAddress.Parse(Options.From ?? throw new InvalidOperationException("Mail:From is not set."));
        var body = new TextPart(MimeKit.Text.TextFormat.Plain) { Text = mail.Body };
        body.Headers.Add(HeaderId.ContentLanguage, mail.Language);
        var message = new MimeMessage
        {
            Subject = mail.Subject,
            Date = mail.QueuedAtReal,
            // The same id on every attempt: a mail sent twice (at least once) is one message to a receiving server.
            MessageId = $"{mail.Id:N}@{from.Domain}",
            Body = body,
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Headers.Add("Auto-Submitted", "auto-generated");
        return message;
    }

    public static SecureSocketOptions Security(MailOptions options) => options.Security switch
    {
        MailSecurity.None => SecureSocketOptions.None,
        MailSecurity.Tls => SecureSocketOptions.SslOnConnect,
        MailSecurity.StartTls => SecureSocketOptions.StartTls,
        _ => options.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls,
    };

    /// <summary>What a relay that is down, slow, refusing or misconfigured throws: the mail waits and is tried again.</summary>
    private static bool IsRelayFailure(Exception e, CancellationToken ct) =>
        e is SocketException or IOException or TimeoutException or ProtocolException or CommandException or AuthenticationException
            or SslHandshakeException or InvalidOperationException or NotSupportedException
        || (e is OperationCanceledException && !ct.IsCancellationRequested);

    [LoggerMessage(LogLevel.Error, "Sending mail failed; will try again")]
    private partial void LogPassFailed(Exception e);

    [LoggerMessage(LogLevel.Warning, "The mail relay {Host}:{Port} cannot be reached ({Reason}); {Count} mails wait")]
    private partial void LogRelayUnreachable(string? host, int port, int count, string reason);

    [LoggerMessage(LogLevel.Information, "Mail {MailId} ({Kind}) for account {AccountId} accepted by the relay")]
    private partial void LogSent(Guid mailId, string kind, string? accountId);

    [LoggerMessage(LogLevel.Warning, "Mail {MailId} ({Kind}) not sent on attempt {Attempts}, next in {Seconds} s: {Reason}")]
    private partial void LogWillRetry(Guid mailId, string kind, int attempts, double seconds, string reason);

    [LoggerMessage(LogLevel.Error, "Mail {MailId} ({Kind}) for account {AccountId} given up after {Attempts} attempts: {Reason}")]
    private partial void LogGaveUp(Guid mailId, string kind, string? accountId, int attempts, string reason);
}
