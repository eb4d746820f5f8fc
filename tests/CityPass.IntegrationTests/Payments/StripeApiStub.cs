using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CityPass.IntegrationTests.Payments;

/// <summary>
/// A local stand-in for Stripe's API (which cannot be reached here), on 127.0.0.1: it answers
/// <c>POST /v1/payment_intents</c> (off-session too), <c>POST /v1/payment_intents/{id}/cancel</c>, <c>POST /v1/customers</c>,
/// <c>POST /v1/setup_intents</c>, <c>GET /v1/setup_intents/{id}</c> and <c>POST /v1/payment_methods/{id}/detach</c> as Stripe
/// does, refuses a POST without an Idempotency-Key, and returns the same object for the same key. Amounts listed in <see cref="FailingAmounts"/> get
/// Stripe's error answer; PaymentIntents listed in <see cref="Succeeded"/> cannot be canceled, as Stripe's paid ones.
/// </summary>
public sealed class StripeApiStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed record Received(string? IdempotencyKey, string? StripeVersion, string? Authorization, IReadOnlyDictionary<string, string> Form)
    {
        public string Path { get; init; } = "/v1/payment_intents";
    }

    public ConcurrentQueue<Received> Requests { get; } = new();

    public ConcurrentDictionary<long, bool> FailingAmounts { get; } = new();

    public ConcurrentDictionary<string, bool> Succeeded { get; } = new();

    /// <summary>SetupIntents the holder confirmed (in Stripe.js, which the tests stand in for), with the payment method each saved.</summary>
    public ConcurrentDictionary<string, string> ConfirmedSetups { get; } = new();

    /// <summary>Saved payment methods whose off-session payments the bank refuses, with Stripe's code (card_declined, authentication_required).</summary>
    public ConcurrentDictionary<string, string> OffSessionFailures { get; } = new();

    private readonly ConcurrentDictionary<string, string> _setupCustomers = new();

    public string BaseUrl { get; }

    public StripeApiStub()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/payment_intents", CreatePaymentIntent);
        _app.MapPost("/v1/payment_intents/{id}/cancel", CancelPaymentIntent);
        _app.MapPost("/v1/customers", CreateCustomer);
        _app.MapPost("/v1/setup_intents", CreateSetupIntent);
        _app.MapGet("/v1/setup_intents/{id}", GetSetupIntent);
        _app.MapPost("/v1/payment_methods/{id}/detach", DetachPaymentMethod);
        _app.StartAsync().GetAwaiter().GetResult();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    /// <summary>Records the request; without an Idempotency-Key, answers Stripe's error and gives no key.</summary>
    private async Task<(Dictionary<string, string> Form, string? Key)> ReceiveAsync(HttpContext http)
    {
        var form = (await http.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
        var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        Requests.Enqueue(new Received(key, http.Request.Headers["Stripe-Version"].FirstOrDefault(),
            http.Request.Headers.Authorization.FirstOrDefault(), form) { Path = http.Request.Path });
        http.Response.ContentType = "application/json";
        if (!string.IsNullOrEmpty(key))
            return (form, key);
        http.Response.StatusCode = 400;
        await http.Response.WriteAsync("""{"error":{"type":"invalid_request_error","message":"The stub requires an Idempotency-Key."}}""");
        return (form, null);
    }

    private async Task CreatePaymentIntent(HttpContext http)
    {
        var (form, key) = await ReceiveAsync(http);
        if (key is null)
            return;
        var amount = long.Parse(form["amount"], System.Globalization.CultureInfo.InvariantCulture);
        if (FailingAmounts.ContainsKey(amount))
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsync("""{"error":{"type":"invalid_request_error","code":"account_invalid","message":"This account cannot create payments."}}""");
            return;
        }
        var id = "pi_stub_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..20];
        var metadata = form.Where(f => f.Key.StartsWith("metadata[", StringComparison.Ordinal)).ToDictionary(f => f.Key[9..^1], f => f.Value);
        var offSession = form.GetValueOrDefault("off_session") == "true" && form.GetValueOrDefault("confirm") == "true";
        var intent = new Dictionary<string, object>
        {
            ["id"] = id, ["object"] = "payment_intent", ["amount"] = amount, ["amount_received"] = 0, ["currency"] = form["currency"],
            ["client_secret"] = $"{id}_secret_stub", ["status"] = "requires_payment_method", ["livemode"] = false, ["metadata"] = metadata,
        };
        if (offSession && OffSessionFailures.TryGetValue(form.GetValueOrDefault("payment_method", ""), out var code))
        {
            http.Response.StatusCode = 402;
            await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["error"] = new Dictionary<string, object>
                {
                    ["type"] = "card_error", ["code"] = code, ["decline_code"] = code == "authentication_required" ? code : "generic_decline",
                    ["message"] = "Your card was declined.", ["payment_intent"] = intent,
                },
            }));
            return;
        }
        if (offSession)
            intent["status"] = "succeeded";
        await http.Response.WriteAsync(JsonSerializer.Serialize(intent));
    }

    private async Task CreateCustomer(HttpContext http)
    {
        var (_, key) = await ReceiveAsync(http);
        if (key is null)
            return;
        var id = "cus_stub_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..20];
        await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = id, ["object"] = "customer", ["livemode"] = false }));
    }

    private async Task CreateSetupIntent(HttpContext http)
    {
        var (form, key) = await ReceiveAsync(http);
        if (key is null)
            return;
        var id = "seti_stub_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..20];
        _setupCustomers[id] = form["customer"];
        await http.Response.WriteAsync(JsonSerializer.Serialize(SetupIntent(id)));
    }

    private async Task GetSetupIntent(HttpContext http, string id)
    {
        http.Response.ContentType = "application/json";
        if (!_setupCustomers.ContainsKey(id))
        {
            http.Response.StatusCode = 404;
            await http.Response.WriteAsync("""{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such setupintent."}}""");
            return;
        }
        await http.Response.WriteAsync(JsonSerializer.Serialize(SetupIntent(id)));
    }

    private Dictionary<string, object?> SetupIntent(string id) => new()
    {
        ["id"] = id, ["object"] = "setup_intent", ["customer"] = _setupCustomers[id], ["usage"] = "off_session", ["livemode"] = false,
        ["client_secret"] = $"{id}_secret_stub",
        ["status"] = ConfirmedSetups.ContainsKey(id) ? "succeeded" : "requires_payment_method",
        ["payment_method"] = ConfirmedSetups.GetValueOrDefault(id),
    };

    private async Task DetachPaymentMethod(HttpContext http, string id)
    {
        var (_, key) = await ReceiveAsync(http);
        if (key is null)
            return;
        await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object?> { ["id"] = id, ["object"] = "payment_method", ["customer"] = null }));
    }

    private async Task CancelPaymentIntent(HttpContext http, string id)
    {
        var (form, key) = await ReceiveAsync(http);
        if (key is null)
            return;
        var paid = Succeeded.ContainsKey(id);
        var intent = new Dictionary<string, object>
        {
            ["id"] = id, ["object"] = "payment_intent", ["amount"] = 0, ["currency"] = "eur", ["livemode"] = false,
            ["status"] = paid ? "succeeded" : "canceled",
        };
        if (paid)
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["error"] = new Dictionary<string, object>
                {
                    ["type"] = "invalid_request_error", ["code"] = "payment_intent_unexpected_state", ["payment_intent"] = intent,
                    ["message"] = "You cannot cancel this PaymentIntent because it has a status of succeeded.",
                },
            }));
            return;
        }
        intent["cancellation_reason"] = form.GetValueOrDefault("cancellation_reason", "");
        await http.Response.WriteAsync(JsonSerializer.Serialize(intent));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>The host with a Stripe secret key: Stripe.net's real StripeClient, pointed at <see cref="StripeApiStub"/>.</summary>
public sealed class StripeApiHost : CityPassHost, IAsyncLifetime
{
    public StripeApiStub Stripe { get; } = new();

    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        builder.UseSetting("Stripe:SecretKey", "sk_test_citypass_stub");
        builder.UseSetting("Stripe:ApiBase", Stripe.BaseUrl);
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Stripe.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StripeApiCollection : ICollectionFixture<StripeApiHost>
{
    public const string Name = "CityPass host with Stripe.net against a local Stripe API stub";
}
