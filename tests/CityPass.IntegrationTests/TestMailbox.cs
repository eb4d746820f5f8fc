using System.Collections.Concurrent;
using CityPass.Host.Accounts;
using Microsoft.AspNetCore.Identity;

namespace CityPass.IntegrationTests;

/// <summary>The test host's outgoing mail: Identity's confirmation links and reset codes, by address, for the tests to follow.</summary>
public sealed class TestMailbox : IEmailSender<CardholderUser>
{
    private readonly ConcurrentDictionary<string, string> _confirmationLinks = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _resetCodes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The path and query of the last confirmation link sent to <paramref name="email"/>, as the e-mail shows it: the portal's
    /// page (<c>/portal/confirm-email</c>) with Identity's query string unchanged (userId, code[, changedEmail]).
    /// </summary>
    public string ConfirmationLink(string email) =>
        _confirmationLinks.TryGetValue(email, out var link)
            ? "/portal/confirm-email" + new Uri(link).Query
            : throw new InvalidOperationException($"No confirmation link was sent to {email}.");

    public string? ResetCode(string email) => _resetCodes.GetValueOrDefault(email);

    public Task SendConfirmationLinkAsync(CardholderUser user, string email, string confirmationLink)
    {
        _confirmationLinks[email] = System.Net.WebUtility.HtmlDecode(confirmationLink);
        return Task.CompletedTask;
    }

    public Task SendPasswordResetLinkAsync(CardholderUser user, string email, string resetLink) => Task.CompletedTask;

    public Task SendPasswordResetCodeAsync(CardholderUser user, string email, string resetCode)
    {
        _resetCodes[email] = System.Net.WebUtility.HtmlDecode(resetCode);
        return Task.CompletedTask;
    }
}
