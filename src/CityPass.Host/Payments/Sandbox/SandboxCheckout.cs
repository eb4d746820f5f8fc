using CityPass.Host.Accounts;
using CityPass.Host.Localization;
using Microsoft.Extensions.Localization;
using CityPass.Host.Payments.Webhooks;
using Microsoft.Extensions.Options;
using Stripe;

namespace CityPass.Host.Payments.Sandbox;

public sealed record SandboxRefundRequest(long? AmountCents);

/// <param name="Outcome">"lost", "won", or empty to leave the dispute open.</param>
public sealed record SandboxDisputeRequest(string? Outcome);

/// <summary>
/// The sandbox's checkout page, where a test card "pays" a PaymentIntent, and the administrator's refund and dispute
/// buttons. Each produces the Stripe-format event Stripe would send, signed with the webhook secret, and hands it to the
/// webhook's own verification and crediting code (<see cref="StripeWebhookProcessor.ReceiveAsync"/>).
/// Mapped only while no Stripe key is configured.
/// </summary>
public static class SandboxCheckout
{
    /// <summary>Stripe's test card numbers: one that pays, one that is declined.</summary>
    public const string PayingCard = "4242424242424242";
    public const string DecliningCard = "4000000000000002";

    public static string UrlFor(string paymentIntentId, string? clientSecret) =>
        $"/sandbox/checkout/{paymentIntentId}?client_secret={Uri.EscapeDataString(clientSecret ?? "")}";

    public static void MapSandboxCheckout(this IEndpointRouteBuilder app)
    {
        var sandbox = app.MapGroup("/sandbox").WithTags("Sandbox payments");
        sandbox.MapGet("/checkout/{paymentIntentId}", Page).WithName("SandboxCheckoutPage").AllowAnonymous()
            .WithSummary("Sandbox: the page where a test card pays a reload.");
        sandbox.MapPost("/checkout/{paymentIntentId}", Pay).WithName("SandboxPay").AllowAnonymous()
            .WithSummary($"Sandbox: pay with a test card (form fields client_secret, card_number; {PayingCard} pays, {DecliningCard} is declined).");
        sandbox.MapPost("/payments/{paymentIntentId}/refunds", Refund).WithName("SandboxRefund")
            .RequireAuthorization(AccountsSetup.AdministratorPolicy).WithSummary("Sandbox, administrator: refund a paid reload as Stripe's dashboard would.");
        sandbox.MapPost("/payments/{paymentIntentId}/disputes", Dispute).WithName("SandboxDispute")
            .RequireAuthorization(AccountsSetup.AdministratorPolicy).WithSummary("Sandbox, administrator: a cardholder's bank disputes a paid reload.");
    }

    private static async Task<ContentHttpResult> Page(
        string paymentIntentId, string? client_secret, HttpRequest request, IQuerySession session, IStringLocalizer<Texts> texts, CancellationToken ct)
    {
        var culture = LocalizationSetup.CultureOf(request);
        string T(string key, params object[] args) => texts.In(culture, key, args);
        if (await Find(session, paymentIntentId, client_secret, ct) is not { } pi)
            return Html(request, culture, texts, StatusCodes.Status404NotFound, T("Checkout.Unknown.Title"), T("Checkout.Unknown"));
        var amount = Formats.Amount(pi.Amount, culture);
        if (pi.Status is "succeeded")
            return Html(request, culture, texts, StatusCodes.Status200OK, T("Checkout.AlreadyPaid.Title"), T("Checkout.AlreadyPaid"));
        if (pi.Status is "canceled")
            return Html(request, culture, texts, StatusCodes.Status200OK, T("Checkout.Canceled.Title"), T("Checkout.Canceled"));
        var form = $"""
            <form method="post" action="/sandbox/checkout/{E(pi.Id)}" class="card">
              <input type="hidden" name="client_secret" value="{E(pi.ClientSecret)}">
              <input type="hidden" name="lang" value="{culture.TwoLetterISOLanguageName}">
              <label for="card_number">{E(T("Checkout.CardNumber"))}</label>
              <input id="card_number" name="card_number" value="4242 4242 4242 4242" autocomplete="off" inputmode="numeric" required>
              <div class="actions"><button type="submit">{E(T("Checkout.Pay", amount))}</button></div>
            </form>
            <p>{E(T("Checkout.TestCards", Spaced(PayingCard), Spaced(DecliningCard)))}</p>
            """;
        return Html(request, culture, texts, StatusCodes.Status200OK, T("Checkout.Heading", amount), T("Checkout.Sandbox"), form);
    }

    private static async Task<ContentHttpResult> Pay(
        string paymentIntentId, HttpRequest request, IDocumentStore store, StripeWebhookProcessor webhooks, IClock clock,
        IOptions<StripeOptions> stripe, IStringLocalizer<Texts> texts, CancellationToken ct)
    {
        var form = request.HasFormContentType ? await request.ReadFormAsync(ct) : null;
        var culture = LocalizationSetup.CultureOf(request, form?["lang"].FirstOrDefault());
        string T(string key, params object[] args) => texts.In(culture, key, args);
        ContentHttpResult Say(int status, string key, params object[] args) =>
            Html(request, culture, texts, status, T(key + ".Title"), T(key, args));
        if (form is null)
            return Say(StatusCodes.Status400BadRequest, "Checkout.UnknownCard", Spaced(PayingCard), Spaced(DecliningCard));
        var cardNumber = new string(form["card_number"].ToString().Where(char.IsDigit).ToArray());
        await using var session = store.LightweightSession();
        if (await Find(session, paymentIntentId, form["client_secret"], ct) is not { } pi)
            return Html(request, culture, texts, StatusCodes.Status404NotFound, T("Checkout.Unknown.Title"), T("Checkout.Unknown"));
        if (pi.Status == "succeeded")
            return Say(StatusCodes.Status200OK, "Checkout.AlreadyPaid");
        if (pi.Status == "canceled")
            return Say(StatusCodes.Status200OK, "Checkout.Canceled");
        if (cardNumber is not (PayingCard or DecliningCard))
            return Html(request, culture, texts, StatusCodes.Status400BadRequest, T("Checkout.UnknownCard.Title"),
                T("Checkout.UnknownCard", Spaced(PayingCard), Spaced(DecliningCard)), retryOf: CheckoutLink(pi, culture));

        var now = clock.GetCurrentInstant();
        string json;
        if (cardNumber == PayingCard)
        {
            pi = pi with { Status = "succeeded", ChargeId = "ch_sandbox_" + pi.Id["pi_sandbox_".Length..] };
            json = SandboxEvents.PaymentIntentEvent(EventTypes.PaymentIntentSucceeded, pi, now);
        }
        else
        {
            pi = pi with { Status = "requires_payment_method" };
            json = SandboxEvents.PaymentIntentEvent(EventTypes.PaymentIntentPaymentFailed, pi, now, "Your card was declined.");
        }
        session.Store(pi);
        await session.SaveChangesAsync(ct);

        var result = await Deliver(json, webhooks, clock, stripe.Value, ct);
        if (result.Receipt is null)
            return Html(request, culture, texts, StatusCodes.Status400BadRequest, T("Checkout.Failed.Title"), T("Checkout.Failed"));
        return cardNumber == PayingCard
            ? Html(request, culture, texts, StatusCodes.Status200OK, T("Checkout.Paid.Title"), T("Checkout.Paid", Formats.Amount(pi.Amount, culture)))
            : Html(request, culture, texts, StatusCodes.Status200OK, T("Checkout.Declined.Title"), T("Checkout.Declined"), retryOf: CheckoutLink(pi, culture));
    }

    private static async Task<Results<Ok<WebhookReceipt>, ProblemHttpResult>> Refund(
        string paymentIntentId, SandboxRefundRequest? body, IDocumentStore store, StripeWebhookProcessor webhooks, IClock clock,
        IOptions<StripeOptions> stripe, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<SandboxPaymentIntent>(paymentIntentId, ct) is not { } pi)
            return UnknownPayment(paymentIntentId);
        if (pi.Status != "succeeded")
            return Problems.Conflict("Not paid", $"Payment {paymentIntentId} is {pi.Status}: only a paid payment can be refunded.");
        var cents = body?.AmountCents ?? pi.Amount - pi.AmountRefunded;
        if (cents <= 0 || pi.AmountRefunded + cents > pi.Amount)
            return Problems.BadRequest("Invalid refund", $"Between 1 and {pi.Amount - pi.AmountRefunded} cents can still be refunded.");
        pi = pi with { AmountRefunded = pi.AmountRefunded + cents };
        session.Store(pi);
        await session.SaveChangesAsync(ct);
        return Receipt(await Deliver(SandboxEvents.ChargeRefunded(pi, clock.GetCurrentInstant()), webhooks, clock, stripe.Value, ct));
    }

    private static async Task<Results<Ok<WebhookReceipt>, ProblemHttpResult>> Dispute(
        string paymentIntentId, SandboxDisputeRequest? body, IQuerySession session, StripeWebhookProcessor webhooks, IClock clock,
        IOptions<StripeOptions> stripe, CancellationToken ct)
    {
        if (await session.LoadAsync<SandboxPaymentIntent>(paymentIntentId, ct) is not { } pi)
            return UnknownPayment(paymentIntentId);
        if (pi.Status != "succeeded")
            return Problems.Conflict("Not paid", $"Payment {paymentIntentId} is {pi.Status}: only a paid payment can be disputed.");
        if (body?.Outcome is { Length: > 0 } outcome && outcome is not ("lost" or "won"))
            return Problems.BadRequest("Invalid outcome", "outcome is \"lost\", \"won\" or empty (the dispute stays open).");
        var disputeId = "dp_sandbox_" + pi.Id["pi_sandbox_".Length..];
        var opened = await Deliver(SandboxEvents.DisputeEvent(EventTypes.ChargeDisputeCreated, pi, disputeId, "needs_response", clock.GetCurrentInstant()),
            webhooks, clock, stripe.Value, ct);
        if (body?.Outcome is not { Length: > 0 } closedAs)
            return Receipt(opened);
        return Receipt(await Deliver(SandboxEvents.DisputeEvent(EventTypes.ChargeDisputeClosed, pi, disputeId, closedAs, clock.GetCurrentInstant()),
            webhooks, clock, stripe.Value, ct));
    }

    internal static Task<WebhookResult> Deliver(string json, StripeWebhookProcessor webhooks, IClock clock, StripeOptions stripe, CancellationToken ct) =>
        webhooks.ReceiveAsync(json, SandboxEvents.Sign(json, stripe.EffectiveWebhookSecret, clock.GetCurrentInstant()), ct);

    private static Results<Ok<WebhookReceipt>, ProblemHttpResult> Receipt(WebhookResult result) =>
        result.Receipt is { } receipt ? TypedResults.Ok(receipt) : Problems.BadRequest(result.RefusalTitle!, result.RefusalDetail!);

    private static async Task<SandboxPaymentIntent?> Find(IQuerySession session, string id, string? clientSecret, CancellationToken ct) =>
        await session.LoadAsync<SandboxPaymentIntent>(id, ct) is { } pi && pi.ClientSecret == clientSecret ? pi : null;

    private static ProblemHttpResult UnknownPayment(string id) =>
        Problems.NotFound("Unknown payment", $"No sandbox payment {id} with that client secret.");

    private static string CheckoutLink(SandboxPaymentIntent pi, System.Globalization.CultureInfo culture) =>
        UrlFor(pi.Id, pi.ClientSecret) + "&lang=" + culture.TwoLetterISOLanguageName;

    private static string Spaced(string card) => string.Join(' ', card.Chunk(4).Select(c => new string(c)));

    /// <summary>
    /// The checkout's pages: French first (or the portal's language), a phone's width (the portal's style sheet), what
    /// happened in words, and the way back to the portal; never the API's JSON.
    /// </summary>
    private static ContentHttpResult Html(HttpRequest request, System.Globalization.CultureInfo culture, IStringLocalizer<Texts> texts, int status,
        string title, string message, string? form = null, string? retryOf = null)
    {
        Infrastructure.EmbeddedPages.SecurityHeaders(request.HttpContext.Response);
        var lang = culture.TwoLetterISOLanguageName;
        var retry = retryOf is { Length: > 0 } && retryOf.StartsWith('/') ? $"""<a class="button secondary" href="{E(retryOf)}">{E(texts.In(culture, "Checkout.TryAgain"))}</a> """ : "";
        var role = status >= 400 ? "alert" : "status";
        return TypedResults.Content($"""
            <!doctype html>
            <html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title)} — CityPass</title><link rel="stylesheet" href="/portal/app.css"></head>
            <body><header><p class="brand">CityPass</p></header>
            <main id="checkout"><h1>{E(title)}</h1><p role="{role}" class="message">{E(message)}</p>{form}
            <p class="actions">{retry}<a class="button" href="/portal">{E(texts.In(culture, "Checkout.Back"))}</a></p></main></body></html>
            """, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    /// <summary>HTML-escapes the five special characters only, so that French letters stay as they are.</summary>
    private static string E(string? text) =>
        (text ?? "").Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);
}
