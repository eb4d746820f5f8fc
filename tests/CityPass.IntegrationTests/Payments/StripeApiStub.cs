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
/// <c>POST /v1/payment_intents</c> as Stripe does, refuses a request without an Idempotency-Key, and returns the same
/// PaymentIntent for the same key. Amounts listed in <see cref="FailingAmounts"/> get Stripe's error answer.
/// </summary>
public sealed class StripeApiStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed record Received(string? IdempotencyKey, string? StripeVersion, string? Authorization, IReadOnlyDictionary<string, string> Form);

    public ConcurrentQueue<Received> Requests { get; } = new();

    public ConcurrentDictionary<long, bool> FailingAmounts { get; } = new();

    public string BaseUrl { get; }

    public StripeApiStub()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/payment_intents", CreatePaymentIntent);
        _app.StartAsync().GetAwaiter().GetResult();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    private async Task CreatePaymentIntent(HttpContext http)
    {
        var form = (await http.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
        var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        Requests.Enqueue(new Received(key, http.Request.Headers["Stripe-Version"].FirstOrDefault(),
            http.Request.Headers.Authorization.FirstOrDefault(), form));
        http.Response.ContentType = "application/json";
        if (string.IsNullOrEmpty(key))
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsync("""{"error":{"type":"invalid_request_error","message":"The stub requires an Idempotency-Key."}}""");
            return;
        }
        var amount = long.Parse(form["amount"]!, System.Globalization.CultureInfo.InvariantCulture);
        if (FailingAmounts.ContainsKey(amount))
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsync("""{"error":{"type":"invalid_request_error","code":"account_invalid","message":"This account cannot create payments."}}""");
            return;
        }
        var id = "pi_stub_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..20];
        var metadata = form.Where(f => f.Key.StartsWith("metadata[", StringComparison.Ordinal)).ToDictionary(f => f.Key[9..^1], f => f.Value);
        await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = id, ["object"] = "payment_intent", ["amount"] = amount, ["amount_received"] = 0, ["currency"] = form["currency"],
            ["client_secret"] = $"{id}_secret_stub", ["status"] = "requires_payment_method", ["livemode"] = false, ["metadata"] = metadata,
        }));
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
