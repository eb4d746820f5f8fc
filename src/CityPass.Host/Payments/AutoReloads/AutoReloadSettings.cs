using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CityPass.Domain.Payments.AutoReloads;
using CityPass.Host.Cardholders;
using CityPass.Host.Cards;
using CityPass.Host.Payments.Gateways;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Payments.AutoReloads;

/// <summary>A SetupIntent to confirm in the client (Stripe.js <c>confirmCardSetup</c>; sandbox: <paramref name="CheckoutUrl"/>).</summary>
public sealed record PaymentMethodSetupView(string SetupIntentId, string? ClientSecret, string? CheckoutUrl);

/// <param name="SetupIntentId">A SetupIntent from <c>POST /me/payment-methods/setup</c> that the holder confirmed: its saved method is
/// used. Optional when automatic reloading is active or paused (only the threshold and amount change).</param>
public sealed record AutoReloadRequest(string? SetupIntentId, long? ThresholdCents, long? AmountCents);

/// <summary>A card's automatic reloading as its holder sees it.</summary>
/// <param name="Notice">Why it stopped and what to do, while <see cref="Status"/> is Stopped.</param>
public sealed record AutoReloadView(
    Guid CardId, AutoReloadStatus Status, long ThresholdCents, long AmountCents, string PaymentMethodId, Guid? InFlightReloadId,
    string? StoppedReason, string? Notice, long TakenLastDayCents, long TakenLast30DaysCents, long DailyLimitCents, long MonthlyLimitCents,
    Instant LastChangedAt)
{
    public static AutoReloadView From(AutoReload a, AutoReloadLimits limits, Instant now) =>
        new(a.CardId, a.Status, a.Threshold.Cents, a.Amount.Cents, a.PaymentMethodId, a.InFlight, a.StoppedReason,
            a.Status == AutoReloadStatus.Stopped && a.StoppedReason is { } reason ? AutoReloadNotice.MessageFor(reason) : null,
            a.Taken(now - Duration.FromDays(1)).Cents, a.Taken(now - Duration.FromDays(30)).Cents, limits.Daily.Cents, limits.Monthly.Cents,
            a.LastChangedAt);
}

/// <summary>
/// The holder's settings of automatic reloading, one card at a time: save a payment method once (a SetupIntent with
/// usage=off_session on the account's provider customer), then set, pause, resume or remove it. Removing detaches the method
/// from the customer (unless another of the account's cards reloads with it). Signed-in cardholders, their own cards only
/// (another's card answers 404, as one that does not exist).
/// </summary>
public static class AutoReloadSettings
{
    public static void MapAutoReloadSettings(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Cardholder");
        me.MapPost("/payment-methods/setup", Setup).WithName("SetUpMyPaymentMethod").ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Start saving a payment method for automatic reloads: a SetupIntent (usage=off_session) to confirm in the client. "
                + "Requires an Idempotency-Key header.");
        me.MapGet("/cards/{cardId:guid}/auto-reload", Get).WithName("GetMyAutoReload")
            .WithSummary("One of my cards' automatic reloading: status, threshold, amount, why it stopped, what it took. 404 when never set up.");
        me.MapPut("/cards/{cardId:guid}/auto-reload", Put).WithName("SetMyAutoReload")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Turn on (or change) automatic reloading of one of my cards: reload amountCents when a charge takes the balance under "
                + "thresholdCents, with the method saved by setupIntentId.");
        me.MapPost("/cards/{cardId:guid}/auto-reload/pause", Pause).WithName("PauseMyAutoReload").ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Pause automatic reloading of one of my cards (409 when stopped or removed).");
        me.MapPost("/cards/{cardId:guid}/auto-reload/resume", Resume).WithName("ResumeMyAutoReload").ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Resume paused automatic reloading (409 when stopped: save a payment method again with PUT).");
        me.MapDelete("/cards/{cardId:guid}/auto-reload", Remove).WithName("RemoveMyAutoReload").ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Remove automatic reloading of one of my cards: its saved payment method is detached.");
    }

    private static async Task<Results<Ok<PaymentMethodSetupView>, ProblemHttpResult>> Setup(
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, ClaimsPrincipal user, IDocumentStore store, IPaymentGateway gateway,
        IClock clock, CancellationToken ct)
    {
        if (Idempotency.Check(idempotencyKey, "a retried request gets the same SetupIntent") is { } missing)
            return missing;
        var accountId = user.AccountId();
        try
        {
            var customer = await CustomerAsync(store, gateway, clock, accountId, ct);
            var key = "citypass-setup-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{accountId}\n{idempotencyKey}")))[..32];
            var intent = await gateway.CreateSetupIntentAsync(customer.CustomerId, new Dictionary<string, string> { ["citypass_account_id"] = accountId },
                key, ct);
            return TypedResults.Ok(new PaymentMethodSetupView(intent.SetupIntentId, intent.ClientSecret, intent.CheckoutUrl));
        }
        catch (PaymentGatewayException e)
        {
            return Unavailable(e);
        }
    }

    private static async Task<Results<Ok<AutoReloadView>, ProblemHttpResult>> Get(
        Guid cardId, ClaimsPrincipal user, IQuerySession session, IClock clock, IOptions<PaymentOptions> payments, CancellationToken ct)
    {
        if (await session.OwnedCardAsync(user.AccountId(), cardId, ct) is null)
            return MyCards.NotYours(cardId);
        return await session.LoadAsync<AutoReload>(AutoReload.StreamIdFor(cardId), ct) is { } auto
            ? TypedResults.Ok(AutoReloadView.From(auto, payments.Value.AutoReloadLimits, clock.GetCurrentInstant()))
            : NeverSetUp(cardId);
    }

    private static async Task<Results<Ok<AutoReloadView>, ProblemHttpResult>> Put(
        Guid cardId, AutoReloadRequest? request, ClaimsPrincipal user, IDocumentStore store, IPaymentGateway gateway, IClock clock,
        IOptions<PaymentOptions> payments, IOptions<LedgerOptions> ledger, ILoggerFactory loggers, CancellationToken ct)
    {
        if (request?.ThresholdCents is not { } thresholdCents || request.AmountCents is not { } amountCents)
            return Problems.BadRequest("Missing threshold or amount", "thresholdCents and amountCents are required (whole numbers of euro cents).");
        var amount = Money.FromCents(amountCents);
        if (payments.Value.CheckReload(amount) is { } invalid)
            return Problems.BadRequest("Invalid amount", invalid);
        var ceiling = ledger.Value.ToLimits().MaxBalance;
        if (thresholdCents <= 0 || Money.FromCents(thresholdCents) + amount > ceiling)
            return Problems.BadRequest("Invalid threshold",
                $"thresholdCents must be positive, and the threshold plus the amount at most the card's ceiling of {ceiling} (got {thresholdCents} + {amountCents}).");
        if (request.SetupIntentId is { } raw && (raw.Length is 0 or > 255 || raw.Any(char.IsControl)))
            return Problems.BadRequest("Invalid setupIntentId", "setupIntentId is the id of a SetupIntent from POST /me/payment-methods/setup.");

        var accountId = user.AccountId();
        AutoReload? existing;
        PaymentCustomer? customer;
        await using (var query = store.QuerySession())
        {
            if (await query.OwnedCardAsync(accountId, cardId, ct) is null)
                return MyCards.NotYours(cardId);
            existing = await query.LoadAsync<AutoReload>(AutoReload.StreamIdFor(cardId), ct);
            customer = await query.LoadAsync<PaymentCustomer>(accountId, ct);
        }

        string paymentMethodId;
        if (request.SetupIntentId is not { } setupIntentId)
        {
            if (existing is not { Status: AutoReloadStatus.Active or AutoReloadStatus.Paused })
                return Problems.BadRequest("Missing setupIntentId",
                    existing is { Status: AutoReloadStatus.Stopped }
                        ? "Automatic reloading stopped because a payment failed: save a payment method again (POST /me/payment-methods/setup) and send its setupIntentId."
                        : "Save a payment method first (POST /me/payment-methods/setup) and send its setupIntentId.");
            paymentMethodId = existing.PaymentMethodId;
        }
        else
        {
            SetupIntentState? setup;
            try
            {
                setup = customer is null ? null : await gateway.GetSetupIntentAsync(setupIntentId, ct);
            }
            catch (PaymentGatewayException e)
            {
                return Unavailable(e);
            }
            if (setup is null || setup.CustomerId != customer!.CustomerId)
                return Problems.BadRequest("Unknown SetupIntent", $"{setupIntentId} is not a SetupIntent of your account.");
            if (setup.Status != "succeeded" || setup.PaymentMethodId is null)
                return Problems.Conflict("Payment method not saved yet",
                    $"SetupIntent {setupIntentId} is {setup.Status}: confirm it in the app (or on the sandbox page) first.");
            if (setup.Usage != "off_session")
                return Problems.BadRequest("Not for automatic reloads", $"SetupIntent {setupIntentId} was not made for off-session payments.");
            paymentMethodId = setup.PaymentMethodId;
        }

        var threshold = Money.FromCents(thresholdCents);
        var auto = await store.WriteAsync(async (session, token) =>
        {
            var stream = await session.Events.FetchForWriting<AutoReload>(AutoReload.StreamIdFor(cardId), token);
            var current = stream.Aggregate;
            if (current is { Status: AutoReloadStatus.Active or AutoReloadStatus.Paused } && current.PaymentMethodId == paymentMethodId
                && current.Threshold == threshold && current.Amount == amount && current.AccountId == accountId)
                return current; // the same settings again: nothing changes (a paused one stays paused)
            var setUp = new AutoReloadSetUp(cardId, accountId, paymentMethodId, threshold, amount, clock.GetCurrentInstant());
            stream.AppendOne(setUp);
            return current is null ? AutoReload.From(setUp) : current.Evolve(setUp);
        }, ct);

        if (existing is not null && existing.Status != AutoReloadStatus.Removed && existing.PaymentMethodId != paymentMethodId)
            await DetachUnlessUsedAsync(store, gateway, accountId, existing.PaymentMethodId, cardId, loggers, ct);
        return TypedResults.Ok(AutoReloadView.From(auto, payments.Value.AutoReloadLimits, clock.GetCurrentInstant()));
    }

    private static Task<Results<Ok<AutoReloadView>, ProblemHttpResult>> Pause(
        Guid cardId, ClaimsPrincipal user, IDocumentStore store, IClock clock, IOptions<PaymentOptions> payments, CancellationToken ct) =>
        ChangeAsync(cardId, user, store, clock, payments, (auto, now) => auto.Status switch
        {
            AutoReloadStatus.Active => new AutoReloadPaused(cardId, now),
            AutoReloadStatus.Paused => null,
            _ => Problems.Conflict("Cannot pause", $"Automatic reloading of card {cardId} is {auto.Status}."),
        }, ct);

    private static Task<Results<Ok<AutoReloadView>, ProblemHttpResult>> Resume(
        Guid cardId, ClaimsPrincipal user, IDocumentStore store, IClock clock, IOptions<PaymentOptions> payments, CancellationToken ct) =>
        ChangeAsync(cardId, user, store, clock, payments, (auto, now) => auto.Status switch
        {
            AutoReloadStatus.Paused => new AutoReloadResumed(cardId, now),
            AutoReloadStatus.Active => null,
            AutoReloadStatus.Stopped => Problems.Conflict("Cannot resume",
                "Automatic reloading stopped because a payment failed: save a payment method again (POST /me/payment-methods/setup, then PUT)."),
            _ => Problems.Conflict("Cannot resume", $"Automatic reloading of card {cardId} is {auto.Status}: set it up again with PUT."),
        }, ct);

    private static async Task<Results<Ok<AutoReloadView>, ProblemHttpResult>> Remove(
        Guid cardId, ClaimsPrincipal user, IDocumentStore store, IPaymentGateway gateway, IClock clock, IOptions<PaymentOptions> payments,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var accountId = user.AccountId();
        AutoReload? existing;
        await using (var query = store.QuerySession())
        {
            if (await query.OwnedCardAsync(accountId, cardId, ct) is null)
                return MyCards.NotYours(cardId);
            existing = await query.LoadAsync<AutoReload>(AutoReload.StreamIdFor(cardId), ct);
        }
        if (existing is null)
            return NeverSetUp(cardId);
        if (existing.Status != AutoReloadStatus.Removed)
        {
            // The provider first: a method still attached after "removed" could still be charged.
            try
            {
                await DetachUnlessUsedAsync(store, gateway, accountId, existing.PaymentMethodId, cardId, null, ct);
            }
            catch (PaymentGatewayException e)
            {
                return Unavailable(e);
            }
        }
        var removed = await store.WriteAsync(async (session, token) =>
        {
            var stream = await session.Events.FetchForWriting<AutoReload>(AutoReload.StreamIdFor(cardId), token);
            var current = stream.Aggregate!;
            if (current.Status == AutoReloadStatus.Removed)
                return current;
            var e = new AutoReloadRemoved(cardId, current.PaymentMethodId, clock.GetCurrentInstant());
            stream.AppendOne(e);
            return current.Evolve(e);
        }, ct);
        return TypedResults.Ok(AutoReloadView.From(removed, payments.Value.AutoReloadLimits, clock.GetCurrentInstant()));
    }

    private static async Task<Results<Ok<AutoReloadView>, ProblemHttpResult>> ChangeAsync(
        Guid cardId, ClaimsPrincipal user, IDocumentStore store, IClock clock, IOptions<PaymentOptions> payments,
        Func<AutoReload, Instant, object?> decide, CancellationToken ct)
    {
        await using (var query = store.QuerySession())
            if (await query.OwnedCardAsync(user.AccountId(), cardId, ct) is null)
                return MyCards.NotYours(cardId);
        var (auto, refused) = await store.WriteAsync<(AutoReload?, ProblemHttpResult?)>(async (session, token) =>
        {
            var stream = await session.Events.FetchForWriting<AutoReload>(AutoReload.StreamIdFor(cardId), token);
            if (stream.Aggregate is not { } current)
                return (null, NeverSetUp(cardId));
            switch (decide(current, clock.GetCurrentInstant()))
            {
                case ProblemHttpResult problem:
                    return (null, problem);
                case null:
                    return (current, null);
                case var e:
                    stream.AppendOne(e);
                    return (current.Evolve(e), null);
            }
        }, ct);
        return refused ?? (Results<Ok<AutoReloadView>, ProblemHttpResult>)TypedResults.Ok(
            AutoReloadView.From(auto!, payments.Value.AutoReloadLimits, clock.GetCurrentInstant()));
    }

    /// <summary>
    /// Closing an account: every automatic reloading of its cards removed and each saved payment method detached at the
    /// provider first (throws <see cref="PaymentGatewayException"/> before anything is recorded when the provider fails).
    /// </summary>
    public static async Task RemoveAllOfAccountAsync(IDocumentStore store, IPaymentGateway gateway, IClock clock, string accountId, CancellationToken ct)
    {
        IReadOnlyList<AutoReload> live;
        await using (var query = store.QuerySession())
            live = await query.Query<AutoReload>().Where(a => a.AccountId == accountId && a.Status != AutoReloadStatus.Removed).ToListAsync(ct);
        foreach (var method in live.Select(a => a.PaymentMethodId).Distinct(StringComparer.Ordinal))
            await gateway.DetachPaymentMethodAsync(method, $"citypass-detach-{method}", ct);
        foreach (var auto in live)
            await store.WriteAsync(async (session, token) =>
            {
                var stream = await session.Events.FetchForWriting<AutoReload>(AutoReload.StreamIdFor(auto.CardId), token);
                if (stream.Aggregate is { Status: not AutoReloadStatus.Removed } current)
                    stream.AppendOne(new AutoReloadRemoved(current.CardId, current.PaymentMethodId, clock.GetCurrentInstant()));
                return true;
            }, ct);
    }

    /// <summary>The account's provider customer, created once (the same idempotency key at the provider for every twin request).</summary>
    public static async Task<PaymentCustomer> CustomerAsync(IDocumentStore store, IPaymentGateway gateway, IClock clock, string accountId, CancellationToken ct)
    {
        await using (var query = store.QuerySession())
            if (await query.LoadAsync<PaymentCustomer>(accountId, ct) is { } known)
                return known;
        var customerId = await gateway.CreateCustomerAsync(accountId, PaymentCustomer.IdempotencyKey(accountId), ct);
        return await store.WriteAsync(async (session, token) =>
        {
            if (await session.LoadAsync<PaymentCustomer>(accountId, token) is { } twin)
                return twin;
            var created = new PaymentCustomer(accountId, customerId, clock.GetCurrentInstant());
            session.Insert(created);
            return created;
        }, ct);
    }

    /// <summary>Detaches a saved method no other card of the account reloads with. With a logger, a failure is logged, not thrown.</summary>
    private static async Task DetachUnlessUsedAsync(
        IDocumentStore store, IPaymentGateway gateway, string accountId, string paymentMethodId, Guid cardId, ILoggerFactory? loggers,
        CancellationToken ct)
    {
        await using (var query = store.QuerySession())
            if (await query.Query<AutoReload>().AnyAsync(a => a.AccountId == accountId && a.PaymentMethodId == paymentMethodId
                    && a.CardId != cardId && a.Status != AutoReloadStatus.Removed, ct))
                return;
        try
        {
            await gateway.DetachPaymentMethodAsync(paymentMethodId, $"citypass-detach-{paymentMethodId}", ct);
        }
        catch (PaymentGatewayException e) when (loggers is not null)
        {
            loggers.CreateLogger(typeof(AutoReloadSettings)).LogWarning(e, "The replaced payment method {PaymentMethodId} could not be detached", paymentMethodId);
        }
    }

    private static ProblemHttpResult NeverSetUp(Guid cardId) =>
        Problems.NotFound("No automatic reloading", $"Automatic reloading was never set up for card {cardId}.");

    private static ProblemHttpResult Unavailable(PaymentGatewayException e) =>
        TypedResults.Problem(detail: $"{e.Message} Nothing changed; try again.", statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Payment provider unavailable");
}
