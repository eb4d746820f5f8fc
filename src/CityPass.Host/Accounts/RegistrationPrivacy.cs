using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.Data;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Accounts;

/// <summary>
/// <c>POST /account/register</c> does not tell whether an address already has an account. For a taken address it answers
/// as Identity answers a new one (200, no body; the same 400 for a password too weak, checked first as Identity does) and
/// mails the address's owner "someone tried to register with your address" instead of creating anything. The password
/// is hashed either way, so the answer takes about as long. Other requests, and new addresses, go on to Identity.
/// </summary>
public static class RegistrationPrivacy
{
    public static void UseRegistrationPrivacy(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (!(HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals("/account/register", StringComparison.OrdinalIgnoreCase))
                || !await AnsweredForExistingAccountAsync(http))
                await next(http);
        });

    private static async Task<bool> AnsweredForExistingAccountAsync(HttpContext http)
    {
        http.Request.EnableBuffering();
        RegisterRequest? registration;
        try
        {
            var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            registration = await JsonSerializer.DeserializeAsync<RegisterRequest>(http.Request.Body, json, http.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            registration = null; // Identity answers what is wrong with it
        }
        finally
        {
            http.Request.Body.Position = 0;
        }
        if (registration is not { Email.Length: > 0, Password.Length: > 0 })
            return false;

        var users = http.RequestServices.GetRequiredService<UserManager<CardholderUser>>();
        var existing = await users.FindByEmailAsync(registration.Email);
        var probe = existing ?? new CardholderUser { UserName = registration.Email, Email = registration.Email };
        if (existing is null)
            return false;
        foreach (var validator in users.PasswordValidators)
            if (!(await validator.ValidateAsync(users, probe, registration.Password)).Succeeded)
                return false; // Identity refuses the password first, for a new address as for a taken one
        users.PasswordHasher.HashPassword(probe, registration.Password); // the time a new account's hash takes
        await http.RequestServices.GetRequiredService<OutboxEmailSender>().SendRegistrationAttemptAsync(existing);
        await TypedResults.Ok().ExecuteAsync(http);
        return true;
    }
}
