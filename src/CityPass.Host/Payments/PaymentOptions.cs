namespace CityPass.Host.Payments;

/// <summary>Section <c>Payments</c>: what a cardholder may reload online. The card ceiling is <c>Ledger:MaxBalanceCents</c>.</summary>
public sealed class PaymentOptions
{
    public long MinReloadCents { get; set; } = 5_00;
    public long MaxReloadCents { get; set; } = 100_00;

    /// <summary>ISO 4217, lower case as Stripe writes it. The scheme's stored value is in euros.</summary>
    public string Currency { get; set; } = "eur";

    /// <summary>A reload still unpaid this long after it was requested is canceled with the provider and its reservation released
    /// (Stripe's own guidance for abandoned PaymentIntents: 24 hours).</summary>
    public double UnpaidReloadExpiryHours { get; set; } = 24;

    /// <summary>How often one host looks for expired reloads.</summary>
    public double ReloadExpiryCheckSeconds { get; set; } = 300;

    /// <summary>What automatic reloading may take per card, in a rolling day and a rolling 30 days.</summary>
    public long AutoReloadDailyLimitCents { get; set; } = Domain.Payments.AutoReloads.AutoReloadLimits.Default.Daily.Cents;

    public long AutoReloadMonthlyLimitCents { get; set; } = Domain.Payments.AutoReloads.AutoReloadLimits.Default.Monthly.Cents;

    /// <summary>How often each host looks for automatic reloads not yet sent to the provider (it is also woken after each trigger).</summary>
    public double AutoReloadSendCheckSeconds { get; set; } = 30;

    public Domain.Payments.AutoReloads.AutoReloadLimits AutoReloadLimits =>
        new(Money.FromCents(AutoReloadDailyLimitCents), Money.FromCents(AutoReloadMonthlyLimitCents));

    public string? CheckReload(Money amount) =>
        amount.Cents < MinReloadCents || amount.Cents > MaxReloadCents
            ? $"A reload must be between {Money.FromCents(MinReloadCents)} and {Money.FromCents(MaxReloadCents)} (got {amount.Cents} cents)."
            : null;
}

/// <summary>
/// Section <c>Stripe</c>. Without <see cref="SecretKey"/> the sandbox provider stands in for Stripe (demo and tests);
/// with it, Stripe's API is called through Stripe.net and nothing else changes.
/// </summary>
public sealed class StripeOptions
{
    /// <summary>The webhook secret the sandbox signs its events with when none is configured. Never valid with real Stripe.</summary>
    public const string SandboxWebhookSecret = "whsec_citypass_sandbox_not_a_stripe_secret";

    public string? SecretKey { get; set; }

    /// <summary>The signing secret of the webhook endpoint in Stripe's dashboard (whsec_…).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Only to point Stripe.net elsewhere (a local stub in tests); empty means https://api.stripe.com.</summary>
    public string? ApiBase { get; set; }

    /// <summary>How old a signed event may be, in seconds (Stripe's default 300): an older one is refused as a replay.</summary>
    public long WebhookToleranceSeconds { get; set; } = 300;

    public bool UsesSandbox => string.IsNullOrWhiteSpace(SecretKey);

    public string EffectiveWebhookSecret =>
        !string.IsNullOrWhiteSpace(WebhookSecret) ? WebhookSecret
        : UsesSandbox ? SandboxWebhookSecret
        : throw new InvalidOperationException("Stripe:SecretKey is set but Stripe:WebhookSecret is not: webhooks could not be verified.");
}
