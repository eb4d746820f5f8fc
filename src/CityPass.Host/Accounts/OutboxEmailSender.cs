using System.Globalization;
using System.Net;
using CityPass.Host.Localization;
using CityPass.Host.Mail;
using Marten.Patching;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Accounts;

/// <summary>
/// Identity's e-mails (the confirmation link on registration, the password-reset code) queued in the mail outbox and sent
/// by <see cref="MailSender"/>, with links to the portal's pages rather than to the API: the confirmation link keeps
/// Identity's origin and query string (<c>/portal/confirm-email?userId=…&amp;code=…</c>), the reset link is
/// <c>{Mail:PortalBaseUrl}/portal/reset-password?email=…&amp;code=…</c>. An account without a language takes the request's
/// (<see cref="RequestLanguage"/>) when its first mail is written, and keeps it.
/// </summary>
public sealed class OutboxEmailSender(
    IDocumentStore store, MailOutbox outbox, MailTexts texts, IOptions<MailOptions> options, IHttpContextAccessor http, IClock clock,
    IHostEnvironment environment)
    : IEmailSender<CardholderUser>
{
    public Task SendConfirmationLinkAsync(CardholderUser user, string email, string confirmationLink)
    {
        // Identity hands the link HTML-encoded (for an HTML mail); this mail is plain text.
        var identity = new Uri(WebUtility.HtmlDecode(confirmationLink));
        var origin = identity.GetLeftPart(UriPartial.Authority);
        // Identity builds its link from the request's Host header: a deployment never mails a link to a host someone else
        // named (they would receive the code), only to the portal's own.
        if (!Security.StartupSecrets.MayUseRepositoryValues(environment)
            && Uri.TryCreate(options.Value.PortalBaseUrl, UriKind.Absolute, out var portal) && portal.GetLeftPart(UriPartial.Authority) is var own
            && !string.Equals(origin, own, StringComparison.OrdinalIgnoreCase))
            origin = own;
        var link = origin + "/portal/confirm-email" + identity.Query;
        return QueueAsync(user, email, MailKinds.ConfirmEmail, culture => texts.ConfirmEmail(culture, link));
    }

    public Task SendPasswordResetCodeAsync(CardholderUser user, string email, string resetCode)
    {
        var link = (options.Value.PortalBaseUrl ?? "").TrimEnd('/') + "/portal/reset-password?email=" + Uri.EscapeDataString(email)
            + "&code=" + Uri.EscapeDataString(WebUtility.HtmlDecode(resetCode));
        return QueueAsync(user, email, MailKinds.ResetPassword, culture => texts.ResetPassword(culture, link));
    }

    /// <summary>Not used by Identity's API endpoints (they send a code); a link given here is sent as it is.</summary>
    public Task SendPasswordResetLinkAsync(CardholderUser user, string email, string resetLink) =>
        QueueAsync(user, email, MailKinds.ResetPassword, culture => texts.ResetPassword(culture, WebUtility.HtmlDecode(resetLink)));

    /// <summary>"Someone tried to register with your address", to the address's owner (<see cref="RegistrationPrivacy"/>).</summary>
    public Task SendRegistrationAttemptAsync(CardholderUser user) =>
        QueueAsync(user, user.Email!, MailKinds.RegistrationAttempt, texts.RegistrationAttempt);

    private async Task QueueAsync(CardholderUser user, string email, string kind, Func<CultureInfo, MailText> render)
    {
        var language = user.Language ?? RequestLanguage.Of(http.HttpContext);
        var text = render(MailTexts.CultureOf(language));
        await using var session = store.LightweightSession();
        outbox.Queue(session, new OutgoingMail(Guid.CreateVersion7(), kind, user.Id, email, text.Subject, text.Body, clock.GetCurrentInstant())
        {
            Language = language,
        });
        if (user.Language is null)
            session.Patch<CardholderUser>(user.Id).Set(u => u.Language, language);
        await session.SaveChangesAsync();
    }
}

/// <summary>
/// The language a request asks for, "fr" or "en": the request's culture when request localization set one, otherwise the
/// first of French or English in <c>Accept-Language</c> by preference; French when neither is asked for.
/// </summary>
public static class RequestLanguage
{
    public static string Of(HttpContext? http)
    {
        if (http is null)
            return "fr";
        if (http.Features.Get<IRequestCultureFeature>() is { } feature)
            return Code(feature.RequestCulture.UICulture);
        var asked = http.Request.GetTypedHeaders().AcceptLanguage
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.Value ?? "")
            .FirstOrDefault(l => l.StartsWith("fr", StringComparison.OrdinalIgnoreCase) || l.StartsWith("en", StringComparison.OrdinalIgnoreCase));
        return asked is null ? "fr" : Code(LocalizationSetup.CultureOf(asked));
    }

    private static string Code(CultureInfo culture) => culture.TwoLetterISOLanguageName == "en" ? "en" : "fr";
}
