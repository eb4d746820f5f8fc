using System.Globalization;
using CityPass.Host.Localization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Mail;

/// <summary>A mail's subject and plain-text body, in one language.</summary>
public sealed record MailText(string Subject, string Body);

/// <summary>
/// The mails' texts, from the shared resources (Localization/Texts.resx, Texts.fr.resx: keys <c>Mail.*</c>), in the
/// account's language: French unless the account chose English. Amounts and times as <see cref="Formats"/> writes them.
/// </summary>
public sealed class MailTexts(IStringLocalizer<Texts> texts, IOptions<MailOptions> options)
{
    /// <summary>The portal's address, where a mail sends the resident (no trailing slash).</summary>
    public string Portal => (options.Value.PortalBaseUrl ?? "").TrimEnd('/') + "/portal";

    public static CultureInfo CultureOf(string? language) => LocalizationSetup.CultureOf(language);

    public MailText ConfirmEmail(CultureInfo culture, string link) =>
        Compose(culture, "Mail.Confirm.Subject", "Mail.Confirm.Body", link);

    public MailText ResetPassword(CultureInfo culture, string link) =>
        Compose(culture, "Mail.Reset.Subject", "Mail.Reset.Body", link);

    public MailText RegistrationAttempt(CultureInfo culture) =>
        Compose(culture, "Mail.Attempt.Subject", "Mail.Attempt.Body", Portal);

    public MailText ReloadReceipt(CultureInfo culture, string printedNumber, Money amount, Money balanceAfter, Instant at, Guid reloadId) =>
        Compose(culture, "Mail.Reload.Subject", "Mail.Reload.Body",
            Formats.Amount(amount, culture), printedNumber, Formats.Time(at, culture), Formats.Amount(balanceAfter, culture), reloadId.ToString(), Portal);

    public MailText CardBlocked(CultureInfo culture, string printedNumber, string reason, Instant at) =>
        Compose(culture, "Mail.Blocked.Subject", "Mail.Blocked.Body",
            printedNumber, texts.In(culture, "Mail.Reason." + reason), Formats.Time(at, culture), Portal);

    public MailText ReplacementReady(CultureInfo culture, string newPrinted, string oldPrinted, Money balance, int rights, Instant at) =>
        Compose(culture, "Mail.Replaced.Subject", "Mail.Replaced.Body",
            newPrinted, oldPrinted, Formats.Time(at, culture), Formats.Amount(balance, culture), rights.ToString(culture), Portal);

    /// <param name="reason">The bank's answer: <c>authentication_required</c>, or a decline.</param>
    public MailText AutoReloadStopped(CultureInfo culture, string printedNumber, string reason, Instant at) =>
        Compose(culture, "Mail.AutoReloadStopped.Subject",
            reason == "authentication_required" ? "Mail.AutoReloadStopped.Authentication" : "Mail.AutoReloadStopped.Declined",
            printedNumber, Formats.Time(at, culture), Portal);

    /// <summary>Greeting, the body, signature; the subject prefixed with the service's name. Arguments are shared by both.</summary>
    private MailText Compose(CultureInfo culture, string subjectKey, string bodyKey, params object[] arguments)
    {
        var body = string.Join("\n\n",
            texts.In(culture, "Mail.Greeting"), texts.In(culture, bodyKey, arguments), texts.In(culture, "Mail.Signature"));
        return new MailText("CityPass – " + texts.In(culture, subjectKey, arguments), body + "\n\n-- \n" + texts.In(culture, "Mail.Footer") + "\n");
    }
}
