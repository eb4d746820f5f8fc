namespace CityPass.Host.Mail;

/// <summary>How the SMTP connection is secured (MailKit's <c>SecureSocketOptions</c>).</summary>
public enum MailSecurity
{
    /// <summary>Implicit TLS on port 465, STARTTLS on any other port; refuses a relay that offers neither.</summary>
    Auto,
    /// <summary>STARTTLS, required (port 587).</summary>
    StartTls,
    /// <summary>TLS from the first byte (port 465).</summary>
    Tls,
    /// <summary>No encryption: a local mail catcher only (the host refuses it with a password outside Development).</summary>
    None,
}

/// <summary>Section <c>Mail</c>: the SMTP relay the outbox sends through, the sender, the portal's address for links, the retries.</summary>
public sealed class MailOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public MailSecurity Security { get; set; } = MailSecurity.Auto;
    public string? User { get; set; }
    public string? Password { get; set; }

    /// <summary>The From address (e.g. <c>CityPass &lt;no-reply@citypass.example&gt;</c>).</summary>
    public string? From { get; set; }

    /// <summary>The portal as residents reach it, e.g. <c>https://citypass.example</c>: password-reset and sign-in links start with it.</summary>
    public string? PortalBaseUrl { get; set; }

    /// <summary>How often the sender looks for mail due, besides being woken by each commit that queued one (other hosts' mail).</summary>
    public int PollSeconds { get; set; } = 10;

    /// <summary>First wait after a failed attempt; it doubles on each failure, up to <see cref="RetryMaxSeconds"/>.</summary>
    public int RetryMinSeconds { get; set; } = 15;
    public int RetryMaxSeconds { get; set; } = 900;

    /// <summary>A mail still not accepted by the relay this long after it was queued is given up (logged as an error).</summary>
    public int GiveUpAfterHours { get; set; } = 72;

    /// <summary>Mails sent per pass (and per SMTP connection).</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// One line per missing or unsafe mail setting. Outside Development and Testing the host refuses to start with any:
    /// a host that cannot send the confirmation mail cannot let anyone register (docs/security.md).
    /// </summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var options = configuration.GetSection("Mail").Get<MailOptions>() ?? new MailOptions();
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host))
            problems.Add("Mail:Host is not set: confirmation and password-reset mails could not be sent, so nobody could register or reset a password (set the SMTP relay: Mail:Host, Mail:Port, Mail:User, Mail:Password).");
        if (string.IsNullOrWhiteSpace(options.From) || !MimeKit.MailboxAddress.TryParse(options.From, out var from) || string.IsNullOrEmpty(from.Domain))
            problems.Add("Mail:From is not set to an address: mails need a sender (e.g. \"CityPass <no-reply@citypass.example>\").");
        if (!Uri.TryCreate(options.PortalBaseUrl, UriKind.Absolute, out var portal) || portal.Scheme != Uri.UriSchemeHttps)
            problems.Add("Mail:PortalBaseUrl is not an https address: mails' links to the portal (password reset) start with it.");
        if (options.Security == MailSecurity.None && !string.IsNullOrEmpty(options.Password))
            problems.Add("Mail:Security is None with a Mail:Password: the relay's password would cross the network in clear (use StartTls or Tls).");
        return problems;
    }
}
