using System.Security.Claims;
using CityPass.Domain.Schemes;
using CityPass.Host.Cardholders.Linking;
using CityPass.Host.Cards;
using CityPass.Host.Cards.Reading;
using CityPass.Host.Privacy;

namespace CityPass.Host.Cardholders;

/// <param name="Name">What the holder calls the card (at most <see cref="MyCards.MaxNameLength"/> characters); empty removes the name.</param>
public sealed record NameCardRequest(string? Name);

/// <summary>The signed-in cardholder's own cards; another's card answers 404, exactly like a card that does not exist.</summary>
public static class MyCards
{
    public const int MaxNameLength = 40;

    public static void MapMyCards(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Cardholder");
        me.MapGet("/cards", List).WithName("ListMyCards").WithSummary("The cards of my account, with balance, debt, reloads in flight, printed number and name.");
        me.MapGet("/cards/{id:guid}", Get).WithName("GetMyCard").WithSummary("One of my cards.");
        me.MapPut("/cards/{id:guid}/name", Name).WithName("NameMyCard").WithSummary("Give one of my cards a name (empty: no name).");
        me.MapGet("/cards/{id:guid}/history", History).WithName("GetMyCardHistory")
            .WithSummary("One of my cards' statement, newest first, each line with what it means (words: kind, credit or debit, names).");
    }

    private static async Task<Ok<IReadOnlyList<CardView>>> List(ClaimsPrincipal user, IQuerySession session, PrintedNumber printed, CancellationToken ct)
    {
        var accountId = user.AccountId();
        var owned = await session.Query<CardOwnership>().Where(o => o.AccountId == accountId).ToListAsync(ct);
        var cards = await session.LoadManyAsync<Card>(ct, owned.Select(o => o.Id));
        var names = owned.ToDictionary(o => o.Id, o => o.Name);
        return TypedResults.Ok<IReadOnlyList<CardView>>(cards.OrderBy(c => c.IssuedAt)
            .Select(c => CardView.From(c) with { PrintedNumber = printed.For(c.Uid), Name = names.GetValueOrDefault(c.Id) }).ToList());
    }

    private static async Task<Results<Ok<CardView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, IQuerySession session, PrintedNumber printed, CancellationToken ct) =>
        await session.OwnedCardAsync(user.AccountId(), id, ct) is { } card
            ? TypedResults.Ok(CardView.From(card) with { PrintedNumber = printed.For(card.Uid), Name = (await session.LoadAsync<CardOwnership>(id, ct))?.Name })
            : NotYours(id);

    private static async Task<Results<Ok<CardView>, ProblemHttpResult>> Name(
        Guid id, NameCardRequest? request, ClaimsPrincipal user, IDocumentStore store, PrintedNumber printed, CancellationToken ct)
    {
        var name = request?.Name?.Trim();
        if (name?.Length > MaxNameLength)
            return Problems.BadRequest("Name too long", $"A card's name is at most {MaxNameLength} characters.");
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<CardOwnership>(id, ct) is not { } ownership || ownership.AccountId != user.AccountId()
            || await session.LoadAsync<Card>(id, ct) is not { } card)
            return NotYours(id);
        session.Store(ownership with { Name = string.IsNullOrEmpty(name) ? null : name });
        await session.SaveChangesAsync(ct);
        return TypedResults.Ok(CardView.From(card) with { PrintedNumber = printed.For(card.Uid), Name = string.IsNullOrEmpty(name) ? null : name });
    }

    private static async Task<Results<Ok<WordedHistoryPage>, ProblemHttpResult>> History(
        Guid id, ClaimsPrincipal user, IQuerySession session, PrintedNumber printed, VisitPseudonymisation visits, CancellationToken ct, int limit = 50, long? before = null)
    {
        if (limit is < 1 or > ReadCard.MaxPageSize)
            return Problems.BadRequest("Invalid page size", $"limit must be between 1 and {ReadCard.MaxPageSize} (got {limit}).");
        if (await session.OwnedCardAsync(user.AccountId(), id, ct) is null)
            return NotYours(id);
        var page = await CardStatement.PageAsync(session, id, limit, before, visits.AsOfNow(), ct);
        var scheme = await session.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty;
        var others = page.Lines.Where(l => l.OtherCardId is not null).Select(l => l.OtherCardId!.Value).Distinct().ToList();
        var otherCards = others.Count == 0 ? [] : await session.LoadManyAsync<Card>(ct, others);
        var names = HistoryNames.Of(scheme, otherCards.ToDictionary(c => c.Id, c => printed.For(c.Uid)));
        return TypedResults.Ok(new WordedHistoryPage(id, page.Lines.Select(l => HistoryWording.Worded(l, names)).ToList(), page.NextBefore));
    }

    public static ProblemHttpResult NotYours(Guid cardId) =>
        Problems.NotFound("Unknown card", $"Card {cardId} is not one of your account's cards.");
}
