using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityPass.Host.Cards;
using CityPass.Host.Payments.Reloading;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using Stripe;

namespace CityPass.IntegrationTests.Payments;

/// <summary>Named starting states for payments, built through the public HTTP API.</summary>
public static class Cardholders
{
    public const string Password = "Cardholder-Pass-1";

    /// <summary>A new cardholder account, signed in: the client carries its bearer token.</summary>
    public static async Task<(HttpClient Http, string Email)> SignedInCardholder(this CityPassHost host)
    {
        var email = $"holder-{Guid.NewGuid():N}@example.test";
        var anonymous = host.Anonymous();
        var registered = await anonymous.PostAsJsonAsync("/account/register", new { email, password = Password });
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        await host.ConfirmEmail(email);
        return (await host.SignedIn(email, Password), email);
    }

    /// <summary>
    /// Follows the confirmation link the host mailed to <paramref name="email"/>, as the cardholder does from their mailbox:
    /// the link opens the portal's page, which confirms with Identity's query string unchanged.
    /// </summary>
    public static async Task ConfirmEmail(this CityPassHost host, string email)
    {
        var link = new Uri(new Uri("https://citypass.test"), host.Mailbox.ConfirmationLink(email));
        Assert.Equal("/portal/confirm-email", link.AbsolutePath);
        var confirmed = await host.Anonymous().GetAsync("/account/confirmEmail" + link.Query);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
    }

    public static async Task<HttpClient> SignedIn(this CityPassHost host, string email, string password)
    {
        var http = host.CreateClient();
        var login = await http.PostAsJsonAsync("/account/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public static Task<HttpClient> Administrator(this CityPassHost host) =>
        host.SignedIn(CityPassHost.AdministratorEmail, CityPassHost.AdministratorPassword);

    /// <summary>A cardholder with one issued card (loaded with <paramref name="balanceCents"/> by an administrator) linked to their account.</summary>
    public static async Task<(HttpClient Http, string Email, CardView Card)> CardholderWithCard(this CityPassHost host, long balanceCents = 0)
    {
        var (http, email) = await host.SignedInCardholder();
        var admin = host.CreateClient();
        var card = balanceCents > 0 ? await admin.CardWithBalance(balanceCents) : await admin.IssuedCard();
        await host.Link(email, card.Id);
        return (http, email, card);
    }

    public static async Task Link(this CityPassHost host, string email, Guid cardId)
    {
        var admin = await host.Administrator();
        var linked = await admin.PostAsJsonAsync($"/admin/accounts/{email}/cards", new { cardId });
        Assert.Equal(HttpStatusCode.Created, linked.StatusCode);
    }

    public static HttpRequestMessage ReloadRequest(Guid cardId, long cents, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/me/cards/{cardId}/reloads") { Content = JsonContent.Create(new { amountCents = cents }) };
        if (key is not null)
            request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    public static async Task<ReloadView> StartedReload(this HttpClient http, Guid cardId, long cents)
    {
        var response = await http.SendAsync(ReloadRequest(cardId, cents, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReloadView>(Api.Json))!;
    }

    public static async Task<ReloadView> Reload(this HttpClient http, Guid reloadId) =>
        (await http.GetFromJsonAsync<ReloadView>($"/me/reloads/{reloadId}", Api.Json))!;

    public static async Task<CardView> MyCard(this HttpClient http, Guid cardId) =>
        (await http.GetFromJsonAsync<CardView>($"/me/cards/{cardId}", Api.Json))!;

    /// <summary>One pass of the unpaid reloads' expiry, as its job runs it (waiting while the job itself holds the lock).</summary>
    public static Task<int?> ExpireUnpaidReloads(this CityPassHost host)
    {
        var expiry = host.Services.GetRequiredService<UnpaidReloadExpiry>();
        return Eventually.ReadAsync(() => expiry.RunOnceAsync(CancellationToken.None), ran => ran is not null, "the expiry's lock");
    }

    public static Task<HttpClient> Finance(this CityPassHost host) =>
        host.SignedIn(CityPassHost.FinanceEmail, CityPassHost.FinancePassword);

    /// <summary>Posts a Stripe event to the webhook, signed with the test webhook secret at the host's (fake) time.</summary>
    public static Task<HttpResponseMessage> PostStripeEvent(this CityPassHost host, string json, Instant? signedAt = null, string? secret = null)
    {
        var header = EventUtility.GenerateSignatureHeader(json, secret ?? CityPassHost.WebhookSecret,
            (signedAt ?? host.Clock.GetCurrentInstant()).ToUnixTimeSeconds());
        return host.PostStripeEvent(json, header);
    }

    public static Task<HttpResponseMessage> PostStripeEvent(this CityPassHost host, string json, string signatureHeader)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signatureHeader);
        return host.CreateClient().SendAsync(request);
    }

    public static async Task<string> Outcome(this HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString()!;
    }

    /// <summary>Rows in every table of the run's schema: a refused request must leave it unchanged.</summary>
    public static async Task<long> RowCount(this CityPassHost host)
    {
        // The finance ledger is an async projection: let it catch up first, so only the request's own writes could show.
        await host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
        await using var connection = new NpgsqlConnection(CityPassHost.PostgresConnection);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = @schema AND table_type = 'BASE TABLE'", connection))
        {
            list.Parameters.AddWithValue("schema", host.Schema);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }
        long total = 0;
        foreach (var table in tables)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {host.Schema}.\"{table}\"", connection);
            total += (long)(await count.ExecuteScalarAsync())!;
        }
        return total;
    }
}
