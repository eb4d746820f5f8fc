using CityPass.Host.Cardholders;
using CityPass.Host.Cards;
using System.Security.Claims;
using CityPass.Domain.Payments;
using CityPass.Host.Accounts;
using CityPass.Host.Payments.Gateways;
using CityPass.Host.Payments.Webhooks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Payments.Reloading;

/// <param name="AmountCents">What to pay and load, in euro cents.</param>
public sealed record StartReloadRequest(long? AmountCents);

/// <summary>
/// A cardholder reloads one of their cards. In order: (1) the reload stream starts and the amount is reserved on the card,
/// in one transaction, so racing reloads cannot pass the ceiling together; (2) the provider creates the PaymentIntent,
/// keyed by the reload id so a retry finds the same one; (3) the PaymentIntent is recorded on the reload. A webhook can
/// therefore never be about a reload we do not know.
/// </summary>
public static class StartReload
{
    public static void MapStartReload(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Cardholder");
        me.MapPost("/cards/{cardId:guid}/reloads", Handle).WithName("StartReload")
            .WithSummary("Reload one of my cards: creates the payment and returns what the client needs to pay. Requires an Idempotency-Key header.");
        me.MapGet("/cards/{cardId:guid}/reloads", ListForCard).WithName("ListMyCardReloads").WithSummary("The reloads of one of my cards, newest first.");
        me.MapGet("/reloads/{id:guid}", Get).WithName("GetMyReload").WithSummary("One of my reloads and where it stands.");
    }

    private static async Task<Results<Created<ReloadView>, Ok<ReloadView>, ProblemHttpResult>> Handle(
        Guid cardId,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        StartReloadRequest? request,
        ClaimsPrincipal user,
        HttpContext http,
        IDocumentStore store,
        IPaymentGateway gateway,
        StripeWebhookProcessor webhooks,
        ReloadCanceller canceller,
        IClock clock,
        IOptions<PaymentOptions> payments,
        IOptions<LedgerOptions> ledger,
        ILoggerFactory loggers,
        CancellationToken ct)
    {
        if (Idempotency.Check(idempotencyKey, "a retried reload is paid once") is { } missing)
            return missing;
        if (request?.AmountCents is not { } cents)
            return Problems.BadRequest("Missing amount", "amountCents is required (a whole number of euro cents).");
        var amount = Money.FromCents(cents);
        if (payments.Value.CheckReload(amount) is { } invalid)
            return Problems.BadRequest("Invalid amount", invalid);

        var accountId = user.AccountId();
        var (refused, createdHere) = await store.WriteAsync<(ProblemHttpResult? Refused, bool Created)>(async (session, token) =>
        {
            var prior = await session.LoadAsync<ReloadRequestRecord>(ReloadRequestRecord.IdFor(accountId, idempotencyKey!), token);
            if (prior is not null)
            {
                if (prior.CardId != cardId || prior.AmountCents != cents)
                    return (Idempotency.Reused(idempotencyKey!, $"another reload ({prior.AmountCents} cents to card {prior.CardId})"),
                        false);
                return (null, false);
            }
            if (await session.OwnedCardAsync(accountId, cardId, token) is null)
                return (MyCards.NotYours(cardId), false);

            var cardStream = await session.Events.FetchForWriting<Card>(cardId, token);
            var reloadId = Guid.CreateVersion7();
            var now = clock.GetCurrentInstant();
            var (reserved, refusal) = CardDecisions.Decide(cardStream.Aggregate!, new ReserveReload(reloadId, amount), ledger.Value.ToLimits(), now);
            if (refusal is not null)
                return (Problems.Unprocessable("Reload refused", refusal.Message), false);

            cardStream.AppendOne(reserved!);
            session.Events.StartStream<Reload>(reloadId,
                new ReloadRequested(reloadId, cardId, accountId, amount, payments.Value.Currency, gateway.Provider, now));
            session.Insert(new ReloadRequestRecord(ReloadRequestRecord.IdFor(accountId, idempotencyKey!), reloadId, cardId, cents));
            return (null, true);
        }, ct);
        if (refused is not null)
            return refused;

        Reload reload;
        ReloadRequestRecord record;
        await using (var query = store.QuerySession())
        {
            record = (await query.LoadAsync<ReloadRequestRecord>(ReloadRequestRecord.IdFor(accountId, idempotencyKey!), ct))!;
            reload = (await query.LoadAsync<Reload>(record.ReloadId, ct))!;
        }
        if (reload.Status != ReloadStatus.Requested)
        {
            Idempotency.MarkReplayed(http.Response);
            return TypedResults.Ok(ReloadView.From(reload));
        }

        CreatedPaymentIntent intent;
        try
        {
            intent = await gateway.CreatePaymentIntentAsync(amount, reload.Currency,
                new Dictionary<string, string> { [ReloadMetadata.ReloadId] = reload.Id.ToString(), [ReloadMetadata.CardId] = cardId.ToString() },
                ReloadMetadata.StripeIdempotencyKey(reload.Id), ct);
        }
        catch (PaymentGatewayException e)
        {
            loggers.CreateLogger(typeof(StartReload)).LogError(e, "Reload {ReloadId}: the payment provider failed", reload.Id);
            // A repeat of a request still in progress elsewhere must not abandon what the first may yet complete.
            if (!createdHere)
                return TypedResults.Problem(detail: $"{e.Message} Retry with the same Idempotency-Key.", statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "Payment provider unavailable");
            var abandoned = await canceller.RecordAsync(reload.Id,
                (current, now) => current.Status == ReloadStatus.Requested ? ReloadDecisions.Cancel(current, e.Message, now) : [], ct);
            return TypedResults.Problem(detail: $"{e.Message} Nothing was charged; start a new reload.", statusCode: StatusCodes.Status502BadGateway,
                title: "Payment provider unavailable", extensions: new Dictionary<string, object?> { ["reload"] = ReloadView.From(abandoned) });
        }

        var recorded = await store.WriteAsync(async (session, token) =>
        {
            var stream = await session.Events.FetchForWriting<Reload>(reload.Id, token);
            var current = stream.Aggregate!;
            if (current.PaymentIntentId is null)
            {
                var created = new PaymentIntentCreated(reload.Id, intent.PaymentIntentId, intent.ClientSecret, clock.GetCurrentInstant());
                stream.AppendOne(created);
                current = current.Evolve(created);
            }
            session.Store(new PaymentIntentLink(intent.PaymentIntentId, reload.Id));
            return current;
        }, ct);
        await webhooks.ApplyParkedAsync(intent.PaymentIntentId, ct);

        var view = ReloadView.From(recorded, intent.CheckoutUrl);
        if (!createdHere)
        {
            Idempotency.MarkReplayed(http.Response);
            return TypedResults.Ok(view);
        }
        return TypedResults.Created($"/me/reloads/{reload.Id}", view);
    }

    private static async Task<Results<Ok<IReadOnlyList<ReloadView>>, ProblemHttpResult>> ListForCard(
        Guid cardId, ClaimsPrincipal user, IQuerySession session, CancellationToken ct)
    {
        if (await session.OwnedCardAsync(user.AccountId(), cardId, ct) is null)
            return MyCards.NotYours(cardId);
        var reloads = await session.Query<Reload>().Where(r => r.CardId == cardId).OrderByDescending(r => r.RequestedAt).Take(100).ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<ReloadView>>(reloads.Select(r => ReloadView.From(r)).ToList());
    }

    private static async Task<Results<Ok<ReloadView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<Reload>(id, ct) is { } reload && reload.AccountId == user.AccountId()
            ? TypedResults.Ok(ReloadView.From(reload))
            : Problems.NotFound("Unknown reload", $"Reload {id} is not one of your reloads.");
}
