using System.Net;
using System.Net.Http.Json;
using CityPass.IntegrationTests.Payments;
using Holders = CityPass.IntegrationTests.Payments.Cardholders;

namespace CityPass.IntegrationTests.Security;

/// <summary>Accounts that resist abuse: lockout under parallel guessing, confirmed e-mails, revoked tokens, short passwords.</summary>
[Collection(CityPassCollection.Name)]
public class AccountDefencesTests(CityPassHost host)
{
    [Fact]
    public async Task Thirty_parallel_wrong_passwords_lock_the_account_then_the_right_one_and_its_token_are_refused()
    {
        var (holder, email) = await host.SignedInCardholder();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            host.Anonymous().PostAsJsonAsync("/account/login", new { email, password = $"wrong-password-{i}" })));

        Assert.All(attempts, a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        var right = await host.Anonymous().PostAsJsonAsync("/account/login", new { email, password = Holders.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        Assert.Contains("LockedOut", await right.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await holder.GetAsync("/me/cards")).StatusCode); // its earlier token too
    }

    [Fact]
    public async Task An_unconfirmed_account_cannot_sign_in_nor_have_a_card_linked_until_it_confirms()
    {
        var email = $"unconfirmed-{Guid.NewGuid():N}@example.test";
        Assert.Equal(HttpStatusCode.OK, (await host.Anonymous().PostAsJsonAsync("/account/register", new { email, password = Holders.Password })).StatusCode);
        var card = await host.CreateClient().IssuedCard();

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().PostAsJsonAsync("/account/login", new { email, password = Holders.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await host.CreateClient().PostAsJsonAsync($"/admin/accounts/{email}/cards", new { cardId = card.Id })).StatusCode);

        await host.ConfirmEmail(email);
        Assert.Equal(HttpStatusCode.Created, (await host.CreateClient().PostAsJsonAsync($"/admin/accounts/{email}/cards", new { cardId = card.Id })).StatusCode);
        var holder = await host.SignedIn(email, Holders.Password);
        Assert.Equal(HttpStatusCode.OK, (await holder.GetAsync("/me/cards")).StatusCode);
    }

    [Fact]
    public async Task A_token_stops_working_at_once_after_erasure()
    {
        var (holder, email) = await host.SignedInCardholder();
        var stolen = host.Anonymous();
        stolen.DefaultRequestHeaders.Authorization = holder.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync("/me/cards")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await holder.PostAsync("/me/erasure", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.GetAsync("/me/cards")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.GetAsync("/me/profile")).StatusCode);
        _ = email;
    }

    [Fact]
    public async Task A_token_stops_working_after_a_password_change()
    {
        var (holder, _) = await host.SignedInCardholder();
        var changed = await holder.PostAsJsonAsync("/account/manage/info", new { oldPassword = Holders.Password, newPassword = "Another-Long-Pass-2026" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await holder.GetAsync("/me/cards")).StatusCode);
    }

    [Fact]
    public async Task A_password_shorter_than_twelve_characters_is_refused()
    {
        var registered = await host.Anonymous().PostAsJsonAsync("/account/register", new { email = $"short-{Guid.NewGuid():N}@example.test", password = "Short-Pw-1!" });
        Assert.Equal(HttpStatusCode.BadRequest, registered.StatusCode);
        Assert.Contains("PasswordTooShort", await registered.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_unsupported_two_factor_endpoint_is_not_served()
    {
        var (holder, _) = await host.SignedInCardholder();
        Assert.Equal(HttpStatusCode.NotFound, (await holder.PostAsJsonAsync("/account/manage/2fa", new { enable = true })).StatusCode);
    }

    [Fact]
    public async Task Sign_in_gives_no_cookie()
    {
        var login = await host.Anonymous().PostAsJsonAsync("/account/login?useCookies=true", new { email = CityPassHost.AdministratorEmail, password = CityPassHost.AdministratorPassword });
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.False(login.Headers.Contains("Set-Cookie"));
    }
}

/// <summary>A card's key goes to the personalisation machine's account only.</summary>
[Collection(CityPassCollection.Name)]
public class PersonalisationAccessTests(CityPassHost host)
{
    [Fact]
    public async Task Card_keys_are_refused_to_a_plain_administrator_and_given_to_the_personalisation_role_only()
    {
        var request = new { uid = "04AABBCCDDEE01" };
        Assert.Equal(HttpStatusCode.Forbidden, (await host.CreateClient().PostAsJsonAsync("/cards/personalisation", request)).StatusCode);

        var machine = await host.Personalisation();
        Assert.Equal(HttpStatusCode.OK, (await machine.PostAsJsonAsync("/cards/personalisation", request)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await machine.GetAsync("/scheme")).StatusCode);
    }
}
