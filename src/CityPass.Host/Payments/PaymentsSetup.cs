using CityPass.Domain.Payments;
using CityPass.Domain.Payments.AutoReloads;
using CityPass.Host.Payments.AutoReloads;
using CityPass.Host.Payments.Gateways;
using CityPass.Host.Payments.Reloading;
using CityPass.Host.Payments.Sandbox;
using CityPass.Host.Payments.Webhooks;
using JasperFx.Events.Projections;
using Stripe;

namespace CityPass.Host.Payments;

/// <summary>Online reloads: Stripe (or the sandbox), the reload streams, the webhook.</summary>
public static class PaymentsSetup
{
    public static IServiceCollection AddCityPassPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<PaymentOptions>(configuration.GetSection("Payments"));
        services.Configure<StripeOptions>(configuration.GetSection("Stripe"));
        var stripe = configuration.GetSection("Stripe").Get<StripeOptions>() ?? new StripeOptions();
        _ = stripe.EffectiveWebhookSecret; // a Stripe key without a webhook secret fails at start, not at the first payment

        if (stripe.UsesSandbox)
        {
            services.AddSingleton<IPaymentGateway, SandboxGateway>();
        }
        else
        {
            services.AddSingleton<IStripeClient>(new StripeClient(
                apiKey: stripe.SecretKey, apiBase: string.IsNullOrWhiteSpace(stripe.ApiBase) ? null : stripe.ApiBase));
            services.AddSingleton<IPaymentGateway, StripeGateway>();
        }
        services.AddSingleton<StripeWebhookProcessor>();
        services.AddSingleton<ReloadCanceller>();
        services.AddSingleton<UnpaidReloadExpiry>();
        services.AddHostedServiceFor(HostRole.Background, sp => sp.GetRequiredService<UnpaidReloadExpiry>());
        // On every host: woken by the charge that crossed a threshold, wherever it was written (taps, API, uploads).
        services.AddSingleton<AutoReloadSender>();
        services.AddHostedService(sp => sp.GetRequiredService<AutoReloadSender>());
        services.AddSingleton<AutoReloadListener>();
        services.ConfigureMarten((sp, o) => o.Listeners.Add(sp.GetRequiredService<AutoReloadListener>()));

        services.ConfigureMarten(o =>
        {
            // A reload's state is an inline snapshot, like a card's: one row to read, written with its events.
            o.Projections.Add<ReloadProjection>(ProjectionLifecycle.Inline);
            o.Schema.For<Reload>().Index(r => r.CardId).Index(r => r.AccountId).Index(r => r.Status);
            o.Schema.For<PaymentIntentLink>();
            o.Schema.For<ReloadRequestRecord>();
            o.Schema.For<StripeEventRecord>().Index(r => r.PaymentIntentId!);
            o.Schema.For<SandboxPaymentIntent>();
            o.Schema.For<UnrequestedPayment>();
            o.Projections.Add<AutoReloadProjection>(ProjectionLifecycle.Inline);
            o.Schema.For<AutoReload>().Index(a => a.AccountId);
            o.Schema.For<AutoReloadNotice>().Index(n => n.AccountId);
            o.Schema.For<PaymentCustomer>();
            o.Schema.For<SandboxSetupIntent>();
            o.Schema.For<SandboxPaymentMethod>();
        });
        return services;
    }

    public static void MapPayments(this IEndpointRouteBuilder app)
    {
        app.MapStartReload();
        app.MapCancelReload();
        app.MapStripeWebhook();
        app.MapFlaggedReloads();
        app.MapAutoReloadSettings();
        if (app.ServiceProvider.GetRequiredService<IPaymentGateway>() is SandboxGateway)
        {
            app.MapSandboxCheckout();
            app.MapSandboxSetup();
        }
    }
}
