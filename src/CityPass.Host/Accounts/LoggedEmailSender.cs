using Microsoft.AspNetCore.Identity;

namespace CityPass.Host.Accounts;

/// <summary>
/// Identity's e-mails (the confirmation link on registration, password reset codes) written to the log instead of sent:
/// CityPass has no mail relay yet. Enough for Development and a pilot where the desk reads the log; a deployment with
/// public registration needs a real sender registered in its place (docs/security.md, "Not done yet").
/// </summary>
public sealed partial class LoggedEmailSender(ILogger<LoggedEmailSender> logger) : IEmailSender<CardholderUser>
{
    public Task SendConfirmationLinkAsync(CardholderUser user, string email, string confirmationLink)
    {
        ConfirmationLink(logger, user.Id, confirmationLink);
        return Task.CompletedTask;
    }

    public Task SendPasswordResetLinkAsync(CardholderUser user, string email, string resetLink)
    {
        ResetRequested(logger, user.Id);
        return Task.CompletedTask;
    }

    public Task SendPasswordResetCodeAsync(CardholderUser user, string email, string resetCode)
    {
        ResetRequested(logger, user.Id);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} must confirm its e-mail: {ConfirmationLink}")]
    private static partial void ConfirmationLink(ILogger logger, string accountId, string confirmationLink);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {AccountId} asked for a password reset (no mail relay: the code is not sent)")]
    private static partial void ResetRequested(ILogger logger, string accountId);
}
