using Microsoft.AspNetCore.Identity;

namespace CityPass.Host.Accounts;

/// <summary>
/// A cardholder account ("compte unique"): one login for a household's cards. ASP.NET Core Identity's own user type,
/// stored as a Marten document; <see cref="Claims"/> holds its role claims (administrator).
/// </summary>
public sealed class CardholderUser : IdentityUser
{
    public List<StoredClaim> Claims { get; set; } = [];

    /// <summary>The language the account's e-mails are written in: "fr" (the default, also when unset) or "en".</summary>
    public string? Language { get; set; }
}

public sealed record StoredClaim(string Type, string Value);
