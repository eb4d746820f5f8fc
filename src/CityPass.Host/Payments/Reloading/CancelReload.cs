using System.Security.Claims;
using CityPass.Domain.Cards;
using CityPass.Domain.Payments;
using CityPass.Host.Cardholders;
using CityPass.Host.Cards;
using CityPass.Host.Infrastructure;
using CityPass.Host.Payments.Gateways;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using NodaTime;

namespace CityPass.Host.Payments.Reloading;

/// <summary>A cardholder cancels a reload they have not paid: its payment is canceled, its reservation released.</summary>
public static class CancelReload
{
    public static void MapCancelReload(this IEndpointRouteBuilder app) =>
        app.MapPost("/me/reloads/{id:guid}/cancel", Handle).RequireAuthorization().WithTags("Cardholder").WithName("CancelMyReload")
            .WithSummary("Cancel one of my reloads that is not paid: nothing can be paid on it afterwards. 409 when it is already paid.");

    private static async Task<Results<Ok<ReloadView>, ProblemHttpResult>> Handle(
        Guid id, ClaimsPrincipal user, IQuerySession query, ReloadCanceller canceller, CancellationToken ct)
    {
        if (await query.LoadAsync<Reload>(id, ct) is not { } reload || reload.AccountId != user.AccountId())
            return Problems.NotFound("Unknown reload", $"Reload {id} is not one of your reloads.");
        if (!reload.IsUnpaid)
            return reload.Status is ReloadStatus.Canceled or ReloadStatus.Abandoned
                ? TypedResults.Ok(ReloadView.From(reload))
                : AlreadyPaid(reload);
        try
        {
            var after = await canceller.CancelAsync(id, "canceled by the cardholder", ct);
            return after.IsUnpaid ? AlreadyPaid(after) : TypedResults.Ok(ReloadView.From(after));
        }
        catch (PaymentGatewayException e)
        {
            return TypedResults.Problem(detail: $"{e.Message} Nothing changed; try again.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Payment provider unavailable");
        }
    }

    private static ProblemHttpResult AlreadyPaid(Reload reload) =>
        Problems.Conflict("Reload already paid", reload.IsUnpaid
                ? $"The payment of reload {reload.Id} is being completed; it will be credited."
                : $"Reload {reload.Id} is {reload.Status}: a paid reload cannot be canceled.",
            new Dictionary<string, object?> { ["reload"] = ReloadView.From(reload) });
}

/// <summary>
/// Ends unpaid reloads, for their holder or the expiry: the provider cancels the PaymentIntent first (so that it can no
/// longer be paid), then one transaction records the cancellation and releases the card's reservation. If the provider
/// says it was paid meanwhile, nothing is recorded: its success reaches the webhook and is credited.
/// </summary>
public sealed class ReloadCanceller(
    IDocumentStore store, IPaymentGateway gateway, IClock clock, IOptions<LedgerOptions> ledger, ILogger<ReloadCanceller> logger)
{
    /// <summary>The reload as it stands afterwards: still unpaid only when the provider could not cancel its payment.</summary>
    public async Task<Reload> CancelAsync(Guid reloadId, string reason, CancellationToken ct)
    {
        Reload reload;
        await using (var query = store.QuerySession())
            reload = await query.LoadAsync<Reload>(reloadId, ct) ?? throw new InvalidOperationException($"No reload {reloadId}.");
        if (!reload.IsUnpaid)
            return reload;
        if (reload.PaymentIntentId is { } paymentIntentId)
        {
            var cancellation = await gateway.CancelPaymentIntentAsync(paymentIntentId, ReloadMetadata.CancelIdempotencyKey(reloadId), ct);
            if (!cancellation.Canceled)
            {
                logger.LogInformation("Reload {ReloadId} not canceled: its payment {PaymentIntentId} is {Status}",
                    reloadId, paymentIntentId, cancellation.Status);
                return reload;
            }
        }
        return await RecordAsync(reloadId, (current, now) => ReloadDecisions.Cancel(current, reason, now), ct);
    }

    /// <summary>One transaction: what <paramref name="decide"/> says of the reload, and what that asks of its card.</summary>
    public Task<Reload> RecordAsync(Guid reloadId, Func<Reload, Instant, IReadOnlyList<object>> decide, CancellationToken ct) =>
        store.WriteAsync(async (session, token) =>
        {
            var stream = await session.Events.FetchForWriting<Reload>(reloadId, token);
            var now = clock.GetCurrentInstant();
            var decided = decide(stream.Aggregate!, now);
            if (decided.Count == 0)
                return stream.Aggregate!;
            var reload = decided.Aggregate(stream.Aggregate!, (r, e) => r.Evolve(e));
            var cardStream = await session.Events.FetchForWriting<Card>(reload.CardId, token);
            var settlement = ReloadDecisions.Settle(reload, cardStream.Aggregate!, ledger.Value.ToLimits(), now);
            stream.AppendMany(decided.Concat(settlement.ReloadEvents).ToArray());
            if (settlement.CardEvents.Count > 0)
                cardStream.AppendMany(settlement.CardEvents.ToArray());
            return settlement.ReloadEvents.Aggregate(reload, (r, e) => r.Evolve(e));
        }, ct);
}
