using CityPass.Domain.Payments;
using CityPass.Host.Cards;
using CityPass.Host.Payments.Reloading;
using Microsoft.Extensions.Options;
using Stripe;
using Card = CityPass.Domain.Cards.Card;

namespace CityPass.Host.Payments.Webhooks;

public sealed record WebhookReceipt(string EventId, string Type, WebhookOutcome Outcome, bool Duplicate, Guid? ReloadId, string? Detail);

/// <summary>The verdict on a delivery: a receipt (200), or why it was refused (400, nothing written).</summary>
public sealed record WebhookResult(WebhookReceipt? Receipt, string? RefusalTitle, string? RefusalDetail);

public static class StripeWebhook
{
    public static void MapStripeWebhook(this IEndpointRouteBuilder app) =>
        app.MapPost("/webhooks/stripe", Handle)
            .WithName("StripeWebhook")
            .WithTags("Payments")
            .WithSummary("Stripe's webhook: verified with Stripe-Signature; each event id is applied once.")
            .AllowAnonymous();

    private static async Task<Results<Ok<WebhookReceipt>, ProblemHttpResult>> Handle(
        HttpRequest request, StripeWebhookProcessor processor, CityPass.Host.Operations.Telemetry.CityPassTelemetry telemetry, CancellationToken ct)
    {
        // The signature covers the exact bytes Stripe sent: read them raw, never through a model binder.
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(ct);
        var result = await processor.ReceiveAsync(json, request.Headers["Stripe-Signature"].ToString(), ct);
        telemetry.Webhook(result.Receipt is { } r ? (r.Duplicate ? "duplicate" : r.Outcome.ToString()) : "refused");
        return result.Receipt is { } receipt
            ? TypedResults.Ok(receipt)
            : Problems.BadRequest(result.RefusalTitle!, result.RefusalDetail!);
    }
}

/// <summary>
/// Verifies, records and applies Stripe events. The sandbox hands its signed events to <see cref="ReceiveAsync"/> too,
/// so one verification and one crediting path serve both.
/// </summary>
public sealed class StripeWebhookProcessor(
    IDocumentStore store, IClock clock, IOptions<LedgerOptions> ledger, IOptions<StripeOptions> stripe, ILogger<StripeWebhookProcessor> logger)
{
    public async Task<WebhookResult> ReceiveAsync(string json, string? signatureHeader, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
            return Refused("Missing Stripe-Signature", "The request has no Stripe-Signature header; only Stripe's signed events are accepted.");
        var options = stripe.Value;
        try
        {
            // Checked against the injected clock, like every other time in CityPass.
            EventUtility.ValidateSignature(json, signatureHeader, options.EffectiveWebhookSecret, options.WebhookToleranceSeconds,
                clock.GetCurrentInstant().ToUnixTimeSeconds());
        }
        catch (Exception e) when (e is StripeException or FormatException or OverflowException or ArgumentException)
        {
            logger.LogWarning("Refused a Stripe webhook: {Reason}", e.Message);
            return Refused("Invalid Stripe signature", e.Message);
        }

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ParseEvent(json, throwOnApiVersionMismatch: true);
        }
        catch (StripeException e)
        {
            logger.LogError("Refused a Stripe event of another API version: {Reason}", e.Message);
            return Refused("Stripe API version mismatch", e.Message);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or NullReferenceException)
        {
            return Refused("Unreadable Stripe event", e.Message);
        }
        if (string.IsNullOrEmpty(stripeEvent?.Id) || string.IsNullOrEmpty(stripeEvent.Type))
            return Refused("Unreadable Stripe event", "The event has no id or no type.");

        var receipt = await ApplyAsync(stripeEvent, json, ct);
        return new WebhookResult(receipt, null, null);
    }

    private static WebhookResult Refused(string title, string detail) => new(null, title, detail);

    private async Task<WebhookReceipt> ApplyAsync(Event stripeEvent, string json, CancellationToken ct)
    {
        var (receipt, linked) = await ApplyOnceAsync(stripeEvent, json, ct);
        if (linked is { } paymentIntentId)
            await ApplyParkedAsync(paymentIntentId, ct);
        return receipt;
    }

    /// <summary>One transaction: the event's record, the reload's events and the card's events commit together or not at all.</summary>
    private async Task<(WebhookReceipt Receipt, string? NewlyLinked)> ApplyOnceAsync(Event stripeEvent, string json, CancellationToken ct)
    {
        var (receipt, linked, flagged) = await store.WriteAsync((session, token) => StageAsync(session, stripeEvent, json, token), ct);
        foreach (var flag in flagged)
            logger.LogWarning("Reload {ReloadId} flagged for finance: {Flag} {Detail}", flag.ReloadId, flag.Flag, flag.Detail);
        if (receipt is { Outcome: WebhookOutcome.Flagged, Duplicate: false })
            logger.LogWarning("Stripe event {EventId} flagged for finance: {Detail}", receipt.EventId, receipt.Detail);
        return (receipt, linked);
    }

    private async Task<(WebhookReceipt Receipt, string? NewlyLinked, IReadOnlyList<ReloadFlagged> Flagged)> StageAsync(
        IDocumentSession session, Event stripeEvent, string json, CancellationToken ct)
    {
        var prior = await session.LoadAsync<StripeEventRecord>(stripeEvent.Id, ct);
        if (prior is { Outcome: not WebhookOutcome.Parked })
            return (new WebhookReceipt(prior.Id, prior.Type, prior.Outcome, true, prior.ReloadId, prior.Detail), null, []);

        var now = clock.GetCurrentInstant();
        var parsed = StripeFacts.Read(stripeEvent);
        if (parsed is null)
            return (Record(session, prior, stripeEvent, null, null, WebhookOutcome.Ignored,
                StripeFacts.Handled.Contains(stripeEvent.Type) ? "No PaymentIntent in the event." : "Not an event type CityPass handles.", null, now),
                null, []);

        var fact = parsed.Fact;
        var link = await session.LoadAsync<PaymentIntentLink>(fact.PaymentIntentId, ct);
        var reloadId = link?.ReloadId ?? parsed.ReloadId;
        if (reloadId is null)
        {
            // A PaymentIntent event always carries our metadata: without it, the payment is not a CityPass reload.
            return parsed.IsPaymentIntentEvent
                ? (Record(session, prior, stripeEvent, fact.PaymentIntentId, null, WebhookOutcome.Ignored, "Not a CityPass reload.", null, now),
                    null, [])
                : (Record(session, prior, stripeEvent, fact.PaymentIntentId, null, WebhookOutcome.Parked,
                    "The PaymentIntent is not linked to a reload yet.", json, now), null, []);
        }

        var reloadStream = await session.Events.FetchForWriting<Reload>(reloadId.Value, ct);
        if (reloadStream.Aggregate is not { } reload)
        {
            if (fact is not PaymentFact.Succeeded paid)
                return (Record(session, prior, stripeEvent, fact.PaymentIntentId, reloadId, WebhookOutcome.Ignored,
                    $"No reload {reloadId} exists here.", null, now), null, []);
            // Money was taken in CityPass's name for a reload nobody started here: finance must see it.
            session.Store(new UnrequestedPayment(paid.PaymentIntentId, reloadId.Value, paid.Amount.Cents, paid.Currency.ToLowerInvariant(),
                paid.ProviderEventId, now));
            return (Record(session, prior, stripeEvent, fact.PaymentIntentId, reloadId, WebhookOutcome.Flagged,
                $"Paid {paid.Amount.Cents} {paid.Currency} for reload {reloadId}, which does not exist here: "
                + "nothing credited, listed for finance.",
                null, now), null, []);
        }

        var decided = ReloadDecisions.Decide(reload, fact, now);
        var after = decided.Aggregate(reload, (r, e) => r.Evolve(e));
        var cardStream = await session.Events.FetchForWriting<Card>(reload.CardId, ct);
        var settlement = ReloadDecisions.Settle(after, cardStream.Aggregate!, ledger.Value.ToLimits(), now);

        var reloadEvents = decided.Concat(settlement.ReloadEvents).ToArray();
        if (reloadEvents.Length > 0)
            reloadStream.AppendMany(reloadEvents);
        if (settlement.CardEvents.Count > 0)
            cardStream.AppendMany(settlement.CardEvents);
        string? newlyLinked = null;
        if (link is null)
        {
            session.Store(new PaymentIntentLink(fact.PaymentIntentId, reload.Id));
            newlyLinked = fact.PaymentIntentId;
        }

        var detail = reloadEvents.Length == 0 ? "Already reflected on the reload." : string.Join(", ", reloadEvents.Select(e => e.GetType().Name));
        var receipt = Record(session, prior, stripeEvent, fact.PaymentIntentId, reload.Id, WebhookOutcome.Applied, detail, null, now);
        return (receipt, newlyLinked, reloadEvents.OfType<ReloadFlagged>().ToList());
    }

    private static WebhookReceipt Record(
        IDocumentSession session, StripeEventRecord? prior, Event e, string? paymentIntentId, Guid? reloadId, WebhookOutcome outcome,
        string detail, string? json, Instant now)
    {
        var record = new StripeEventRecord(e.Id, e.Type, paymentIntentId, reloadId, outcome, detail, json, prior?.ReceivedAt ?? now);
        if (prior is null)
            session.Insert(record); // a twin delivery racing this one fails here and is retried as a duplicate
        else
            session.Update(record);
        return new WebhookReceipt(record.Id, record.Type, outcome, false, reloadId, detail);
    }

    /// <summary>Applies the events that arrived before their PaymentIntent was linked to a reload.</summary>
    public async Task ApplyParkedAsync(string paymentIntentId, CancellationToken ct)
    {
        IReadOnlyList<StripeEventRecord> parked;
        await using (var query = store.QuerySession())
            parked = await query.Query<StripeEventRecord>()
                .Where(r => r.PaymentIntentId == paymentIntentId && r.Outcome == WebhookOutcome.Parked)
                .ToListAsync(ct);
        foreach (var record in parked.Where(r => r.Json is not null))
        {
            // Verified when it arrived; its API version was checked then too.
            var stripeEvent = EventUtility.ParseEvent(record.Json!, throwOnApiVersionMismatch: false);
            await ApplyOnceAsync(stripeEvent, record.Json!, ct);
        }
    }
}
