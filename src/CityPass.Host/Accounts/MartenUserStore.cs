using System.Security.Claims;
using Microsoft.AspNetCore.Identity;

namespace CityPass.Host.Accounts;

/// <summary>
/// ASP.NET Core Identity's user store on Marten (no Marten identity package exists for Marten 9): users, passwords,
/// e-mails, security stamps, lockout and claims. Unique indexes on the normalized user name and e-mail settle two
/// registrations racing for one address.
/// </summary>
public sealed class MartenUserStore(IDocumentStore store) :
    IUserPasswordStore<CardholderUser>,
    IUserEmailStore<CardholderUser>,
    IUserSecurityStampStore<CardholderUser>,
    IUserLockoutStore<CardholderUser>,
    IUserClaimStore<CardholderUser>
{
    public async Task<IdentityResult> CreateAsync(CardholderUser user, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Insert(user);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (Infrastructure.Problems.IsUniqueViolation(e) || Infrastructure.ConflictRetry.IsConflict(e))
        {
            return IdentityResult.Failed(new IdentityErrorDescriber().DuplicateUserName(user.UserName ?? ""));
        }
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> UpdateAsync(CardholderUser user, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Update(user);
        await session.SaveChangesAsync(ct);
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> DeleteAsync(CardholderUser user, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Delete(user);
        await session.SaveChangesAsync(ct);
        return IdentityResult.Success;
    }

    public async Task<CardholderUser?> FindByIdAsync(string userId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<CardholderUser>(userId, ct);
    }

    public async Task<CardholderUser?> FindByNameAsync(string normalizedUserName, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<CardholderUser>().FirstOrDefaultAsync(u => u.NormalizedUserName == normalizedUserName, ct);
    }

    public async Task<CardholderUser?> FindByEmailAsync(string normalizedEmail, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<CardholderUser>().FirstOrDefaultAsync(u => u.NormalizedEmail == normalizedEmail, ct);
    }

    public Task<string> GetUserIdAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.Id);

    public Task<string?> GetUserNameAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.UserName);

    public Task SetUserNameAsync(CardholderUser user, string? userName, CancellationToken ct) => Set(() => user.UserName = userName);

    public Task<string?> GetNormalizedUserNameAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.NormalizedUserName);

    public Task SetNormalizedUserNameAsync(CardholderUser user, string? normalizedName, CancellationToken ct) =>
        Set(() => user.NormalizedUserName = normalizedName);

    public Task SetPasswordHashAsync(CardholderUser user, string? passwordHash, CancellationToken ct) => Set(() => user.PasswordHash = passwordHash);

    public Task<string?> GetPasswordHashAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.PasswordHash);

    public Task<bool> HasPasswordAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.PasswordHash is not null);

    public Task SetEmailAsync(CardholderUser user, string? email, CancellationToken ct) => Set(() => user.Email = email);

    public Task<string?> GetEmailAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.Email);

    public Task<bool> GetEmailConfirmedAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.EmailConfirmed);

    public Task SetEmailConfirmedAsync(CardholderUser user, bool confirmed, CancellationToken ct) => Set(() => user.EmailConfirmed = confirmed);

    public Task<string?> GetNormalizedEmailAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.NormalizedEmail);

    public Task SetNormalizedEmailAsync(CardholderUser user, string? normalizedEmail, CancellationToken ct) =>
        Set(() => user.NormalizedEmail = normalizedEmail);

    public Task SetSecurityStampAsync(CardholderUser user, string stamp, CancellationToken ct) => Set(() => user.SecurityStamp = stamp);

    public Task<string?> GetSecurityStampAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.SecurityStamp);

    public Task<DateTimeOffset?> GetLockoutEndDateAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.LockoutEnd);

    public Task SetLockoutEndDateAsync(CardholderUser user, DateTimeOffset? lockoutEnd, CancellationToken ct) => Set(() => user.LockoutEnd = lockoutEnd);

    public Task<int> IncrementAccessFailedCountAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(++user.AccessFailedCount);

    public Task ResetAccessFailedCountAsync(CardholderUser user, CancellationToken ct) => Set(() => user.AccessFailedCount = 0);

    public Task<int> GetAccessFailedCountAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.AccessFailedCount);

    public Task<bool> GetLockoutEnabledAsync(CardholderUser user, CancellationToken ct) => Task.FromResult(user.LockoutEnabled);

    public Task SetLockoutEnabledAsync(CardholderUser user, bool enabled, CancellationToken ct) => Set(() => user.LockoutEnabled = enabled);

    public Task<IList<Claim>> GetClaimsAsync(CardholderUser user, CancellationToken ct) =>
        Task.FromResult<IList<Claim>>(user.Claims.Select(c => new Claim(c.Type, c.Value)).ToList());

    public Task AddClaimsAsync(CardholderUser user, IEnumerable<Claim> claims, CancellationToken ct) =>
        Set(() => user.Claims.AddRange(claims.Select(c => new StoredClaim(c.Type, c.Value)).Where(c => !user.Claims.Contains(c))));

    public Task ReplaceClaimAsync(CardholderUser user, Claim claim, Claim newClaim, CancellationToken ct) => Set(() =>
    {
        user.Claims.RemoveAll(c => c.Type == claim.Type && c.Value == claim.Value);
        user.Claims.Add(new StoredClaim(newClaim.Type, newClaim.Value));
    });

    public Task RemoveClaimsAsync(CardholderUser user, IEnumerable<Claim> claims, CancellationToken ct) =>
        Set(() => user.Claims.RemoveAll(c => claims.Any(r => r.Type == c.Type && r.Value == c.Value)));

    public async Task<IList<CardholderUser>> GetUsersForClaimAsync(Claim claim, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var (type, value) = (claim.Type, claim.Value);
        var users = await session.Query<CardholderUser>().Where(u => u.Claims.Any(c => c.Type == type && c.Value == value)).ToListAsync(ct);
        return users.ToList();
    }

    public void Dispose()
    {
    }

    // Identity changes the user object, then calls UpdateAsync to persist it.
    private static Task Set(Action change)
    {
        change();
        return Task.CompletedTask;
    }
}
