using System.Security.Claims;
using CityPass.Domain.Cardholders;
using CityPass.Host.Accounts;
using CityPass.Host.Cardholders.Linking;
using CityPass.Host.Cards.Reading;

namespace CityPass.Host.Cardholders.Replacing;

/// <summary>The replacement card, identified as when it is claimed: its printed number (and UID, optional).</summary>
public sealed record ReplacementCardRequest(string? Uid, string? PrintedNumber);

/// <param name="Reason">lost, stolen or damaged.</param>
/// <param name="Replacement">The new card, if the holder already has one; it can be named later.</param>
public sealed record ReportLostRequest(string? Reason, ReplacementCardRequest? Replacement);

/// <summary>An agent replaces a card at the desk (the cards may be anonymous).</summary>
public sealed record ReplaceCardRequest(Guid? NewCardId, string? Reason);

public sealed record ReplacementView(
    Guid Id, Guid OldCardId, Guid? NewCardId, string Reason, ReplacementStep Step, long? MovedBalanceCents, long? MovedDebtCents,
    int? MovedRights, int? MovedConcessions, Instant RequestedAt, Instant LastChangedAt)
{
    public static ReplacementView From(CardReplacement r) =>
        new(r.Id, r.OldCardId, r.NewCardId, r.Reason, r.Step, r.InTransit?.Balance.Cents, r.InTransit?.Debt.Cents,
            r.InTransit?.Rights.Count, r.InTransit?.Concessions.Count, r.RequestedAt, r.LastChangedAt);
}

/// <summary>
/// Lost or stolen card in one operation: the report starts the replacement process (and links the replacement to the
/// account in the same transaction), then runs it to the end. Reporting again, or naming the replacement later, runs the
/// same process again from its last recorded step.
/// </summary>
public static class ReportLost
{
    public static void MapReportLost(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Cardholder");
        me.MapPost("/cards/{id:guid}/lost", Report).WithName("ReportMyCardLost").RequireRateLimiting(Security.RateLimits.CardClaimPolicy)
            .WithSummary("Report one of my cards lost or stolen: it is blocked at once; with a replacement, everything it holds moves there.");
        me.MapPost("/cards/{id:guid}/replacement", Assign).WithName("NameMyReplacementCard").RequireRateLimiting(Security.RateLimits.CardClaimPolicy)
            .WithSummary("Name the replacement of a card reported lost: what the lost card holds moves there.");
        me.MapGet("/cards/{id:guid}/replacement", Get).WithName("GetMyCardReplacement").WithSummary("Where the replacement of a lost card stands.");
        app.MapPost("/admin/cards/{id:guid}/replace", AdminReplace).RequireAuthorization(AccountsSetup.AdministratorPolicy)
            .WithTags("Cardholder").WithSummary("Administrator: replace a lost card by another one (anonymous cards too), in one operation.");
    }

    private static async Task<Results<Ok<ReplacementView>, ProblemHttpResult>> Report(
        Guid id, ReportLostRequest? request, ClaimsPrincipal user, IDocumentStore store, PrintedNumber printed, CardReplacementProcess process,
        IClock clock, CancellationToken ct)
    {
        var reason = request?.Reason ?? "lost";
        if (!CardReplacementDecisions.Reasons.Contains(reason))
            return Problems.BadRequest("Invalid reason", "reason is lost, stolen or damaged.");
        var accountId = user.AccountId();
        Card? replacement = null;
        await using (var query = store.QuerySession())
        {
            if (await query.OwnedCardAsync(accountId, id, ct) is not { } lost)
                return MyCards.NotYours(id);
            if (request?.Replacement is { } named)
            {
                var (found, problem) = await FindReplacement(query, printed, accountId, lost, named, ct);
                if (problem is not null)
                    return problem;
                replacement = found;
            }
        }
        return await StartAndRun(store, process, id, replacement?.Id, accountId, reason, clock, ct);
    }

    private static async Task<Results<Ok<ReplacementView>, ProblemHttpResult>> Assign(
        Guid id, ReplacementCardRequest? request, ClaimsPrincipal user, IDocumentStore store, PrintedNumber printed, CardReplacementProcess process,
        IClock clock, CancellationToken ct)
    {
        if (request is null)
            return Problems.BadRequest("Missing card details", "printedNumber of the replacement card is required (uid is optional).");
        var accountId = user.AccountId();
        var replacementId = CardReplacement.IdFor(id);
        // A twin request that names a replacement at the same moment wins the race: show what the process then says.
        var answered = await store.WriteOnceAsync<Results<Ok<ReplacementView>, ProblemHttpResult>?>(async (session, token) =>
        {
            if (await session.OwnedCardAsync(accountId, id, token) is not { } lost)
                return MyCards.NotYours(id);
            if (await session.LoadAsync<CardReplacement>(replacementId, token) is not { } existing)
                return Problems.Unprocessable("Not reported lost", $"Card {id} was not reported lost; report it first.");
            if (existing.NewCardId is { } already)
                return await RunAndShow(process, replacementId, token);
            var (found, problem) = await FindReplacement(session, printed, accountId, lost, request, token);
            if (problem is not null)
                return problem;

            var now = clock.GetCurrentInstant();
            var stream = await session.Events.FetchForWriting<CardReplacement>(replacementId, token);
            stream.AppendOne(new ReplacementCardAssigned(replacementId, found!.Id, now));
            if (await session.LoadAsync<CardOwnership>(found.Id, token) is null)
                session.Insert(new CardOwnership(found.Id, accountId, now));
            return null;
        }, ct);
        return answered ?? await RunAndShow(process, replacementId, ct);
    }

    private static async Task<Results<Ok<ReplacementView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, IQuerySession session, CancellationToken ct)
    {
        if (await session.OwnedCardAsync(user.AccountId(), id, ct) is null)
            return MyCards.NotYours(id);
        return await session.LoadAsync<CardReplacement>(CardReplacement.IdFor(id), ct) is { } r
            ? TypedResults.Ok(ReplacementView.From(r))
            : Problems.NotFound("Not reported lost", $"Card {id} was not reported lost.");
    }

    private static async Task<Results<Ok<ReplacementView>, ProblemHttpResult>> AdminReplace(
        Guid id, ReplaceCardRequest? request, IDocumentStore store, CardReplacementProcess process, IClock clock, CancellationToken ct)
    {
        if (request?.NewCardId is not { } newCardId)
            return Problems.BadRequest("Missing replacement", "newCardId is required.");
        var reason = request.Reason ?? "lost";
        if (!CardReplacementDecisions.Reasons.Contains(reason))
            return Problems.BadRequest("Invalid reason", "reason is lost, stolen or damaged.");
        string? accountId;
        await using (var query = store.QuerySession())
        {
            if (await query.LoadAsync<Card>(id, ct) is not { } lost)
                return ReadCard.NoSuchCard(id.ToString());
            if (await query.LoadAsync<Card>(newCardId, ct) is not { } replacement)
                return ReadCard.NoSuchCard(newCardId.ToString());
            if (await query.LoadAsync<CardReplacement>(CardReplacement.IdFor(id), ct) is null
                && CardReplacementDecisions.CheckReplacement(lost, replacement) is { } refusal)
                return Problems.Refused(refusal);
            accountId = (await query.LoadAsync<CardOwnership>(id, ct))?.AccountId;
            var newOwner = (await query.LoadAsync<CardOwnership>(newCardId, ct))?.AccountId;
            if (newOwner is not null && newOwner != accountId)
                return Problems.Conflict("Replacement belongs to another account", $"Card {newCardId} is linked to another account.");
        }
        return await StartAndRun(store, process, id, newCardId, accountId, reason, clock, ct);
    }

    private static async Task<(Card? Card, ProblemHttpResult? Problem)> FindReplacement(
        IQuerySession session, PrintedNumber printed, string accountId, Card lost, ReplacementCardRequest named, CancellationToken ct)
    {
        var notFound = Problems.NotFound("Replacement card not found", "No card has that printed number.");
        if (await ClaimCard.FindAsync(session, printed, named.Uid, named.PrintedNumber, ct) is not { } card)
            return (null, notFound);
        if (await session.LoadAsync<CardOwnership>(card.Id, ct) is { } owner && owner.AccountId != accountId)
            return (null, Problems.Conflict("Card already linked", "The replacement card belongs to another account."));
        if (CardReplacementDecisions.CheckReplacement(lost, card) is { } refusal)
            return (null, Problems.Refused(refusal));
        return (card, null);
    }

    /// <summary>Starts the replacement (once: its id follows from the lost card's) and links the new card, then runs it.</summary>
    private static async Task<Results<Ok<ReplacementView>, ProblemHttpResult>> StartAndRun(
        IDocumentStore store, CardReplacementProcess process, Guid oldCardId, Guid? newCardId, string? accountId, string reason, IClock clock, CancellationToken ct)
    {
        var replacementId = CardReplacement.IdFor(oldCardId);
        // A twin report that starts it at the same moment wins the race: run what it started.
        var refused = await store.WriteOnceAsync<ProblemHttpResult?>(async (session, token) =>
        {
            if (await session.LoadAsync<CardReplacement>(replacementId, token) is { } existing)
            {
                if (newCardId is { } asked && existing.NewCardId is { } named && asked != named)
                    return Problems.Conflict("Already replaced", $"Card {oldCardId} is already being replaced by card {named}.");
                if (newCardId is not null && existing.NewCardId is null)
                    return Problems.Conflict("Already reported", $"Card {oldCardId} was reported lost; name its replacement with POST /me/cards/{oldCardId}/replacement.");
                return null;
            }
            var now = clock.GetCurrentInstant();
            session.Events.StartStream<CardReplacement>(replacementId,
                new CardReplacementRequested(replacementId, oldCardId, newCardId, accountId, reason, now));
            if (newCardId is { } id && accountId is not null && await session.LoadAsync<CardOwnership>(id, token) is null)
                session.Insert(new CardOwnership(id, accountId, now));
            return null;
        }, ct);
        return refused ?? await RunAndShow(process, replacementId, ct);
    }

    private static async Task<Results<Ok<ReplacementView>, ProblemHttpResult>> RunAndShow(CardReplacementProcess process, Guid replacementId, CancellationToken ct) =>
        TypedResults.Ok(ReplacementView.From(await process.RunAsync(replacementId, ct)));
}
