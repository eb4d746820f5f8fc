using System.Security.Claims;
using Microsoft.AspNetCore.Identity;

namespace CityPass.Host.Accounts;

/// <summary>
/// A bearer token lives an hour, but must stop working at once when its account is erased, its password changed (the
/// security stamp changes) or it is locked out: each authenticated request checks the token's security stamp against the
/// account's. An account no longer valid makes the request anonymous, so endpoints that need a user answer 401.
/// </summary>
public static class TokenRevocation
{
    public static IApplicationBuilder UseTokenRevocation(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (http.User.Identity?.IsAuthenticated == true && http.User.FindFirst(ClaimTypes.NameIdentifier) is not null)
            {
                var signIn = http.RequestServices.GetRequiredService<SignInManager<CardholderUser>>();
                var user = await signIn.ValidateSecurityStampAsync(http.User);
                if (user is null || await signIn.UserManager.IsLockedOutAsync(user))
                    http.User = new ClaimsPrincipal(new ClaimsIdentity());
            }
            await next(http);
        });
}
