using System.Net;
using CityPass.Host.Accounts;
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

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Page(
        string paymentIntentId, string? client_secret, IQuerySession session, CancellationToken ct)
    {
        if (await Find(session, paymentIntentId, client_secret, ct) is not { } pi)
            return UnknownPayment(paymentIntentId);
        var amount = $"{pi.Amount / 100}.{pi.Amount % 100:00} {pi.Currency.ToUpperInvariant()}";
        var body = pi.Status is "succeeded" or "canceled"
            ? $"<p>This payment is {(pi.Status == "succeeded" ? "already paid" : "canceled")}.</p>"
            : $"""
              <form method="post" action="/sandbox/checkout/{E(pi.Id)}">
                <input type="hidden" name="client_secret" value="{E(pi.ClientSecret)}">
                <label>Card number <input name="card_number" value="4242 4242 4242 4242" autocomplete="off"></label>
                <button type="submit">Pay {E(amount)}</button>
              </form>
              <p>Test cards: {PayingCard} pays, {DecliningCard} is declined. No real money moves.</p>
              """;
        return TypedResults.Content($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>CityPass sandbox checkout</title></head>
            <body><h1>CityPass reload: {E(amount)}</h1><p>Sandbox payment {E(pi.Id)}</p>{body}</body></html>
            """, "text/html; charset=utf-8");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Pay(
        string paymentIntentId, HttpRequest request, IDocumentStore store, StripeWebhookProcessor webhooks, IClock clock,
        IOptions<StripeOptions> stripe, CancellationToken ct)
    {
        if (!request.HasFormContentType)
            return Problems.BadRequest("Not a form", "Post the checkout form (client_secret, card_number).");
        var form = await request.ReadFormAsync(ct);
        var cardNumber = new string(form["card_number"].ToString().Where(char.IsDigit).ToArray());
        await using var session = store.LightweightSession();
        if (await Find(session, paymentIntentId, form["client_secret"], ct) is not { } pi)
            return UnknownPayment(paymentIntentId);
        if (pi.Status == "succeeded")
            return Html("Already paid", "This payment was already paid.");
        if (pi.Status == "canceled")
            return Html("Canceled", "This payment was canceled; nothing can be paid. Start a new reload.");
        if (cardNumber is not (PayingCard or DecliningCard))
            return Problems.BadRequest("Unknown test card", $"Use {PayingCard} (pays) or {DecliningCard} (declined).");

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
            return Problems.BadRequest(result.RefusalTitle!, result.RefusalDetail!);
        return cardNumber == PayingCard
            ? Html("Paid", "Thank you: the reload is paid and your card is credited.")
            : Html("Declined", "Your card was declined. Nothing was charged; try another card.");
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

    private static ContentHttpResult Html(string title, string message) =>
        TypedResults.Content($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{E(title)}</title></head><body><h1>{E(title)}</h1><p>{E(message)}</p></body></html>
            """, "text/html; charset=utf-8");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
