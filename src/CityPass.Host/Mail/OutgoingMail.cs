namespace CityPass.Host.Mail;

/// <summary>
/// One e-mail in the outbox: written in the same transaction as what it tells (a reload credited, a card blocked), sent
/// afterwards by <see cref="MailSender"/>, retried until the relay accepts it. Its text is rendered when it is queued, in
/// the account's language, so that what the mail says is what was true then.
/// </summary>
/// <param name="Kind">What it tells: confirm-email, reset-password, registration-attempt, reload-receipt, card-blocked, replacement-ready.</param>
/// <param name="AccountId">The account it is for (none for nobody's: not used today).</param>
public sealed record OutgoingMail(Guid Id, string Kind, string? AccountId, string To, string Subject, string Body, Instant QueuedAt)
{
    /// <summary>Still to send: neither accepted by the relay nor given up. Indexed: the sender's query.</summary>
    public bool Pending { get; init; } = true;

    /// <summary>When the next attempt is due, in Unix milliseconds of the machine's real clock (retries wait real time).</summary>
    public long NextAttemptUnixMilliseconds { get; init; }

    public int Attempts { get; init; }
    public string? LastError { get; init; }

    /// <summary>When the relay accepted it (real time).</summary>
    public DateTimeOffset? SentAt { get; init; }

    /// <summary>When the sender stopped trying (<see cref="MailOptions.GiveUpAfterHours"/>).</summary>
    public DateTimeOffset? GaveUpAt { get; init; }

    /// <summary>The language it is written in (fr or en), its Content-Language.</summary>
    public string Language { get; init; } = "fr";

    /// <summary>Real time when it was queued, for the give-up delay.</summary>
    public DateTimeOffset QueuedAtReal { get; init; }
}

/// <summary>Mail kinds, as stored in <see cref="OutgoingMail.Kind"/> and named in the logs.</summary>
public static class MailKinds
{
    public const string ConfirmEmail = "confirm-email";
    public const string ResetPassword = "reset-password";
    public const string RegistrationAttempt = "registration-attempt";
    public const string ReloadReceipt = "reload-receipt";
    public const string CardBlocked = "card-blocked";
    public const string ReplacementReady = "replacement-ready";
    public const string AutoReloadStopped = "auto-reload-stopped";
}
