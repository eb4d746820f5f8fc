using CityPass.Host.Cardholders;
using System.Security.Claims;
using System.Text.Json;
using CityPass.Domain.Cardholders;
using CityPass.Domain.Payments;
using CityPass.Host.Accounts;
using CityPass.Host.Cards;
using CityPass.Host.Payments.Reloading;

namespace CityPass.Host.Privacy;

/// <summary>A trace that an account was erased, with nothing that identifies the person.</summary>
public sealed record ErasureRecord(string Id, int CardsMadeAnonymous, Instant ErasedAt);

/// <summary>Everything CityPass holds about the signed-in cardholder (GDPR article 15/20), in one JSON document.</summary>
public sealed record DataExport(
    Instant ExportedAt, string AccountId, string? Email, PersonalDetails? Details, IReadOnlyList<CardView> Cards,
    IReadOnlyDictionary<Guid, IReadOnlyList<CardHistoryLine>> History, IReadOnlyList<ReloadView> Reloads, IReadOnlyList<CardReplacement> Replacements);

public static class PersonalData
{
    public const int MaxFieldLength = 300;

    public static void MapPersonalData(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").RequireAuthorization().WithTags("Privacy");
        me.MapGet("/profile", GetProfile).WithName("GetMyProfile").WithSummary("My name, address and phone (kept sealed with my own key).");
        me.MapPut("/profile", PutProfile).WithName("PutMyProfile").WithSummary("Change my name, address and phone.");
        me.MapGet("/export", Export).WithName("ExportMyData").WithSummary("Everything CityPass holds about me, as JSON.");
        me.MapPost("/erasure", Erase).WithName("EraseMyData")
            .WithSummary("Erase my personal data: my key is destroyed, my account deleted; my cards become anonymous and keep their value.");
    }

    private static async Task<Ok<PersonalDetails>> GetProfile(ClaimsPrincipal user, IQuerySession session, PersonalDataVault vault, CancellationToken ct) =>
        TypedResults.Ok(await DetailsAsync(session, vault, user.AccountId(), ct) ?? new PersonalDetails(null, null, null));

    private static async Task<Results<Ok<PersonalDetails>, ProblemHttpResult>> PutProfile(
        PersonalDetails? details, ClaimsPrincipal user, IDocumentStore store, PersonalDataVault vault, IClock clock, CancellationToken ct)
    {
        if (details is null)
            return Problems.BadRequest("Missing details", "Send { name, address, phone }.");
        if (new[] { details.Name, details.Address, details.Phone }.Any(f => f?.Length > MaxFieldLength))
            return Problems.BadRequest("Too long", $"Each field is at most {MaxFieldLength} characters.");
        var accountId = user.AccountId();
        var sealedText = await vault.SealAsync(Subjects.Account(accountId), JsonSerializer.Serialize(details, Json.Options), ct);
        await using var session = store.LightweightSession();
        session.Store(new PersonalRecord(accountId, sealedText, clock.GetCurrentInstant()));
        await session.SaveChangesAsync(ct);
        return TypedResults.Ok(details);
    }

    public static async Task<PersonalDetails?> DetailsAsync(IQuerySession session, PersonalDataVault vault, string accountId, CancellationToken ct)
    {
        if (await session.LoadAsync<PersonalRecord>(accountId, ct) is not { } record)
            return null;
        var json = await vault.UnsealAsync(Subjects.Account(accountId), record.Sealed, ct);
        return json == PersonalDataVault.Erased ? null : JsonSerializer.Deserialize<PersonalDetails>(json, Json.Options);
    }

    private static async Task<Ok<DataExport>> Export(ClaimsPrincipal user, IQuerySession session, PersonalDataVault vault, VisitPseudonymisation visits, IClock clock, CancellationToken ct)
    {
        var accountId = user.AccountId();
        var account = await session.LoadAsync<CardholderUser>(accountId, ct);
        var ids = await session.Query<CardOwnership>().Where(o => o.AccountId == accountId).Select(o => o.Id).ToListAsync(ct);
        var cards = (await session.LoadManyAsync<Card>(ct, ids)).OrderBy(c => c.IssuedAt).ToList();
        var history = new Dictionary<Guid, IReadOnlyList<CardHistoryLine>>();
        var views = new List<CardView>();
        var shown = visits.AsOfNow();
        foreach (var card in cards)
        {
            history[card.Id] = await CardStatement.AllAsync(session, card.Id, shown, ct);
            var concessions = new List<ConcessionGrant>();
            foreach (var grant in card.Concessions)
                concessions.Add(grant with { Evidence = await vault.UnsealAsync(Subjects.Card(card.Id), grant.Evidence, ct) });
            views.Add(CardView.From(card with { Concessions = concessions }));
        }
        var reloads = await session.Query<Reload>().Where(r => r.AccountId == accountId).OrderBy(r => r.RequestedAt).ToListAsync(ct);
        var replacements = await session.Query<CardReplacement>().Where(r => r.AccountId == accountId).ToListAsync(ct);
        return TypedResults.Ok(new DataExport(clock.GetCurrentInstant(), accountId, account?.Email, await DetailsAsync(session, vault, accountId, ct),
            views, history, reloads.Select(r => ReloadView.From(r)).ToList(), replacements.ToList()));
    }

    private static async Task<NoContent> Erase(ClaimsPrincipal user, IDocumentStore store, IClock clock, CancellationToken ct)
    {
        await EraseAsync(store, user.AccountId(), clock.GetCurrentInstant(), ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Crypto-shreds the person: their key and their cards' keys (concession evidence) are deleted, their sealed record and
    /// their login deleted, their cards unlinked. Nothing in the ledger changes: cards keep their balance and rights,
    /// anonymous; reloads and replacements keep the account id, a random id that no longer leads to anyone.
    /// </summary>
    public static async Task EraseAsync(IDocumentStore store, string accountId, Instant now, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var cardIds = await session.Query<CardOwnership>().Where(o => o.AccountId == accountId).Select(o => o.Id).ToListAsync(ct);
        foreach (var id in cardIds)
            session.Delete<CardOwnership>(id);
        PersonalDataVault.Shred(session, [Subjects.Account(accountId), .. cardIds.Select(Subjects.Card)]);
        session.Delete<PersonalRecord>(accountId);
        session.Delete<CardholderUser>(accountId);
        session.DeleteWhere<Mail.OutgoingMail>(m => m.AccountId == accountId); // the address and what it was told, sent or not
        session.Store(new ErasureRecord(accountId, cardIds.Count, now));
        session.Store(new ErasureLogEntry(accountId, now)); // outside the backed-up schema: a restore re-applies it (ErasureReplay)
        await session.SaveChangesAsync(ct);
    }
}
