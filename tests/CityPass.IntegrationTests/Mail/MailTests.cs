using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CityPass.Host.Accounts;
using CityPass.Host.Mail;
using CityPass.IntegrationTests.Cardholders;
using CityPass.IntegrationTests.Payments;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Mail;

/// <summary>
/// The host's mails, read from the SMTP server the tests run (<see cref="TestMailbox"/>): sent from the outbox after the
/// request, in French unless the account chose English, retried while the relay is down.
/// </summary>
[Collection(CityPassCollection.Name)]
public partial class MailTests(CityPassHost host)
{
    [GeneratedRegex(@"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}, \d{2}:\d{2}")]
    private static partial Regex FrenchTime();

    private static string WithoutTraceId(string problem) => Regex.Replace(problem, "\"traceId\":\"[^\"]*\"", "");

    private static FormUrlEncodedContent Pay(string? clientSecret) =>
        new(new Dictionary<string, string> { ["client_secret"] = clientSecret ?? "", ["card_number"] = "4242424242424242" });

    [Fact]
    public async Task Registering_mails_a_French_confirmation_link_to_the_portals_page_with_Identitys_query_string()
    {
        var email = $"new-{Guid.NewGuid():N}@example.test";
        var registered = await host.Anonymous().PostAsJsonAsync("/account/register", new { email, password = Payments.Cardholders.Password });
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);

        var mail = await host.Mailbox.WaitForAsync(email);
        Assert.Equal("no-reply@citypass.test", mail.Message.From.Mailboxes.Single().Address);
        Assert.Equal("fr", mail.Language);
        Assert.Contains("confirmez votre adresse", mail.Subject);
        var link = mail.Link("/portal/confirm-email")!;
        var query = System.Web.HttpUtility.ParseQueryString(link.Query);
        Assert.False(string.IsNullOrEmpty(query["userId"]));
        Assert.False(string.IsNullOrEmpty(query["code"]));
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().PostAsJsonAsync("/account/login", new { email, password = Payments.Cardholders.Password })).StatusCode);

        await host.ConfirmEmail(email); // the portal's page sends Identity the query string as it came
        await host.SignedIn(email, Payments.Cardholders.Password);
    }

    [Fact]
    public async Task Forgot_password_mails_a_reset_link_to_the_portal_and_its_code_sets_a_new_password()
    {
        var (_, email) = await host.SignedInCardholder();
        Assert.Equal(HttpStatusCode.OK, (await host.Anonymous().PostAsJsonAsync("/account/forgotPassword", new { email })).StatusCode);

        var mail = await host.Mailbox.WaitForAsync(email, m => m.Link("/portal/reset-password") is not null);
        var link = mail.Link("/portal/reset-password")!;
        Assert.Equal("https://citypass.test", link.GetLeftPart(UriPartial.Authority));
        Assert.Equal(email, System.Web.HttpUtility.ParseQueryString(link.Query)["email"]);
        var code = host.Mailbox.ResetCode(email);
        Assert.False(string.IsNullOrEmpty(code));

        const string newPassword = "Another-Pass-2026";
        var reset = await host.Anonymous().PostAsJsonAsync("/account/resetPassword", new { email, resetCode = code, newPassword });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        await host.SignedIn(email, newPassword);
    }

    [Fact]
    public async Task Registering_a_taken_address_answers_as_for_a_new_one_creates_nothing_and_tells_the_owner()
    {
        var (_, taken) = await host.SignedInCardholder();
        var fresh = $"fresh-{Guid.NewGuid():N}@example.test";
        var anonymous = host.Anonymous();

        var forNew = await anonymous.PostAsJsonAsync("/account/register", new { email = fresh, password = "Whatever-Pass-2026" });
        var forTaken = await anonymous.PostAsJsonAsync("/account/register", new { email = taken, password = "Whatever-Pass-2026" });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (forNew.StatusCode, forTaken.StatusCode));
        Assert.Equal(await forNew.Content.ReadAsStringAsync(), await forTaken.Content.ReadAsStringAsync());
        Assert.Equal(forNew.Content.Headers.ContentType, forTaken.Content.Headers.ContentType);
        // A weak password is refused alike, whether or not the address has an account.
        var weakNew = await anonymous.PostAsJsonAsync("/account/register", new { email = $"weak-{Guid.NewGuid():N}@example.test", password = "short" });
        var weakTaken = await anonymous.PostAsJsonAsync("/account/register", new { email = taken, password = "short" });
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (weakNew.StatusCode, weakTaken.StatusCode));
        Assert.Equal(WithoutTraceId(await weakNew.Content.ReadAsStringAsync()), WithoutTraceId(await weakTaken.Content.ReadAsStringAsync()));

        var attempt = await host.Mailbox.WaitForAsync(taken, m => m.Subject.Contains("tentative d’inscription", StringComparison.Ordinal));
        Assert.Contains("https://citypass.test/portal", attempt.Body);
        Assert.Null(attempt.Link("/portal/confirm-email"));
        // The owner's password still works; the attempt's does not.
        await host.SignedIn(taken, Payments.Cardholders.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/account/login", new { email = taken, password = "Whatever-Pass-2026" })).StatusCode);
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var normalized = taken.ToUpperInvariant();
        Assert.Equal(1, await session.Query<CardholderUser>().CountAsync(u => u.NormalizedEmail == normalized));
    }

    [Fact]
    public async Task A_credited_reload_mails_a_French_receipt_with_the_amount_balance_Paris_time_and_printed_number()
    {
        var (http, email, card) = await host.CardholderWithCard(95_50);
        var printed = (await host.Printed(card.Id)).PrintedNumber;
        var reload = await http.StartedReload(card.Id, 20_00);
        await host.CreateClient().PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Pay(reload.ClientSecret));

        var receipt = await host.Mailbox.WaitForAsync(email, m => m.Subject.Contains("rechargement", StringComparison.Ordinal));
        Assert.Equal("fr", receipt.Language);
        Assert.Contains("20,00\u00A0€", receipt.Subject);
        Assert.Contains($"Votre carte {printed} a été rechargée de 20,00\u00A0€ le ", receipt.Body);
        Assert.Contains("Nouveau solde : 115,50\u00A0€.", receipt.Body);
        Assert.Matches(FrenchTime(), receipt.Body);
        Assert.Contains(reload.Id.ToString(), receipt.Body);
    }

    [Fact]
    public async Task An_account_that_chose_English_gets_its_mails_in_English()
    {
        var email = $"english-{Guid.NewGuid():N}@example.test";
        var register = new HttpRequestMessage(HttpMethod.Post, "/account/register") { Content = JsonContent.Create(new { email, password = Payments.Cardholders.Password }) };
        register.Headers.AcceptLanguage.ParseAdd("en-GB,en;q=0.9,fr;q=0.5");
        Assert.Equal(HttpStatusCode.OK, (await host.Anonymous().SendAsync(register)).StatusCode);
        var confirmation = await host.Mailbox.WaitForAsync(email);
        Assert.Equal("en", confirmation.Language);
        Assert.Contains("confirm your e-mail address", confirmation.Subject);
        await host.ConfirmEmail(email);
        var http = await host.SignedIn(email, Payments.Cardholders.Password);
        var card = await host.CreateClient().CardWithBalance(5_00);
        await host.Link(email, card.Id);

        // The account keeps the language it registered in, whatever a later request asks for; the portal changes it.
        var reload = await http.StartedReload(card.Id, 10_00);
        await host.CreateClient().PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Pay(reload.ClientSecret));
        var receipt = await host.Mailbox.WaitForAsync(email, m => m.Subject.Contains("reload", StringComparison.Ordinal));
        Assert.Equal("en", receipt.Language);
        Assert.Contains("was reloaded with €10.00 on ", receipt.Body);
        Assert.Contains("New balance: €15.00.", receipt.Body);

        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsJsonAsync("/me/language", new { language = "de" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PutAsJsonAsync("/me/language", new { language = "fr" })).StatusCode);
        var again = await http.StartedReload(card.Id, 5_00);
        await host.CreateClient().PostAsync($"/sandbox/checkout/{again.PaymentIntentId}", Pay(again.ClientSecret));
        var french = await host.Mailbox.WaitForAsync(email, m => m.Subject.Contains("rechargement", StringComparison.Ordinal));
        Assert.Contains("Nouveau solde : 20,00\u00A0€.", french.Body);
    }

    [Fact]
    public async Task Reporting_a_card_stolen_mails_card_blocked_then_replacement_ready_with_both_printed_numbers()
    {
        var (http, email, lost) = await host.CardholderWithCard(42_00);
        var lostNumber = (await host.Printed(lost.Id)).PrintedNumber;
        var (fresh, freshNumber) = await host.CardInHand();

        var reported = await http.PostAsJsonAsync($"/me/cards/{lost.Id}/lost", new { reason = "stolen", replacement = new { uid = fresh.Uid, printedNumber = freshNumber } });
        Assert.Equal(HttpStatusCode.OK, reported.StatusCode);

        var blocked = await host.Mailbox.WaitForAsync(email, m => m.Subject.Contains("bloquée", StringComparison.Ordinal));
        Assert.Contains($"votre carte {lostNumber} est bloquée", blocked.Subject);
        Assert.Contains($"Vous avez déclaré votre carte {lostNumber} volée le ", blocked.Body);
        Assert.Matches(FrenchTime(), blocked.Body);
        var ready = await host.Mailbox.WaitForAsync(email, m => m.Subject.Contains("remplacement", StringComparison.Ordinal));
        Assert.Contains(freshNumber, ready.Subject);
        Assert.Contains($"Ce que portait votre carte {lostNumber} est passé sur votre nouvelle carte {freshNumber}", ready.Body);
        Assert.Contains("un solde de 42,00\u00A0€", ready.Body);
    }

    [Fact]
    public async Task Erasing_an_account_deletes_its_mails_from_the_outbox()
    {
        var (http, email, _) = await host.CardholderWithCard(10_00);
        await host.Mailbox.WaitForAsync(email);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        async Task<int> Mails()
        {
            await using var session = store.QuerySession();
            return await session.Query<OutgoingMail>().CountAsync(m => m.To == email);
        }
        Assert.NotEqual(0, await Mails());

        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync("/me/erasure", null)).StatusCode);

        Assert.Equal(0, await Mails());
    }

    [Fact]
    public async Task With_the_mail_server_down_a_reload_is_credited_and_its_receipt_is_delivered_once_the_server_is_back()
    {
        var (http, email, card) = await host.CardholderWithCard(5_00);
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await host.Mailbox.StopAsync();
        try
        {
            var reload = await http.StartedReload(card.Id, 30_00);
            var paid = await host.CreateClient().PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Pay(reload.ClientSecret));
            Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
            Assert.Equal(35_00, (await http.MyCard(card.Id)).BalanceCents);

            // The receipt waits in the outbox, tried and failed at least twice.
            var waiting = await Eventually.FoundAsync(async () =>
            {
                await using var session = store.QuerySession();
                return await session.Query<OutgoingMail>()
                    .FirstOrDefaultAsync(m => m.To == email && m.Kind == MailKinds.ReloadReceipt && m.Pending && m.Attempts >= 2);
            }, "the receipt tried twice while the relay is down", TimeSpan.FromSeconds(20));
            Assert.NotNull(waiting.LastError);
            Assert.DoesNotContain(host.Mailbox.To(email), m => m.Subject.Contains("rechargement", StringComparison.Ordinal));
        }
        finally
        {
            host.Mailbox.Start();
        }

        var receipt = await host.Mailbox.WaitForAsync(email, m => m.Subject.Contains("rechargement", StringComparison.Ordinal), within: TimeSpan.FromSeconds(30));
        Assert.Contains("Nouveau solde : 35,00\u00A0€.", receipt.Body);
        await Eventually.HoldsAsync(async () =>
        {
            await using var session = store.QuerySession();
            return await session.Query<OutgoingMail>().AnyAsync(m => m.To == email && m.Kind == MailKinds.ReloadReceipt && !m.Pending && m.SentAt != null);
        }, "the receipt marked sent");
        Assert.Single(host.Mailbox.To(email), m => m.Subject.Contains("rechargement", StringComparison.Ordinal));
    }
}
