using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CityPass.Host.Accounts;

/// <summary>
/// Password checks of one account run one at a time, across every host: a PostgreSQL transaction advisory lock per user,
/// and the user read afresh under it. Without it, parallel wrong passwords each read the same failure count and each wrote
/// count + 1, so 30 attempts against a limit of 10 never locked the account (the user document is written whole).
/// </summary>
public sealed class SerializedSignInManager(
    UserManager<CardholderUser> users,
    IHttpContextAccessor context,
    IUserClaimsPrincipalFactory<CardholderUser> claims,
    IOptions<IdentityOptions> options,
    ILogger<SignInManager<CardholderUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<CardholderUser> confirmation,
    IConfiguration configuration)
    : SignInManager<CardholderUser>(users, context, claims, options, logger, schemes, confirmation)
{
    // The first key of the two-key advisory lock: this lock's namespace ("CP" + sign-in), the user's id hashed is the second.
    private const int LockNamespace = 0x4350_0001;

    /// <summary>An unknown e-mail costs a password hash too, so that the answer's time does not tell which e-mails have accounts.</summary>
    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        if (await UserManager.FindByNameAsync(userName) is { } user)
            return await PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
        UserManager.PasswordHasher.VerifyHashedPassword(Nobody, NobodysHash, password);
        return SignInResult.Failed;
    }

    private static readonly CardholderUser Nobody = new() { Id = "nobody" };
    private static readonly string NobodysHash = new PasswordHasher<CardholderUser>().HashPassword(Nobody, Guid.NewGuid().ToString());

    public override async Task<SignInResult> CheckPasswordSignInAsync(CardholderUser user, string password, bool lockoutOnFailure)
    {
        await using var connection = new NpgsqlConnection(configuration.GetConnectionString("Marten"));
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@space, hashtext(@user))", connection, transaction))
        {
            take.Parameters.AddWithValue("space", LockNamespace);
            take.Parameters.AddWithValue("user", user.Id);
            await take.ExecuteNonQueryAsync();
        }
        var current = await UserManager.FindByIdAsync(user.Id) ?? user;
        var result = await base.CheckPasswordSignInAsync(current, password, lockoutOnFailure);
        await transaction.CommitAsync(); // releases the lock
        return result;
    }
}
