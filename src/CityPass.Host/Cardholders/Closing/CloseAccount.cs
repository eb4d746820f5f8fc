using System.Numerics;
using System.Security.Claims;
using CityPass.Host.Accounts;
using CityPass.Host.Privacy;

namespace CityPass.Host.Cardholders.Closing;

/// <param name="Iban">Where the remaining balance is paid back.</param>
/// <param name="AccountHolder">The name on that bank account.</param>
public sealed record CloseAccountRequest(string? Iban, string? AccountHolder);

/// <summary>
/// A refund finance must pay by bank transfer: one per card with a balance when its account was closed. The card's
/// <see cref="BalanceRefunded"/> event (same transaction) is what finance posts; the bank details are sealed with a key
/// of their own, kept for finance's retention period, not shredded with the person's.
/// </summary>
public sealed record RefundOrder(string Id, string AccountId, Guid CardId, long AmountCents, string SealedBankDetails, string Status, Instant OrderedAt);

public sealed record AccountClosed(string AccountId, long RefundedCents, IReadOnlyList<RefundOrderView> Refunds);

public sealed record RefundOrderView(string Id, Guid CardId, long AmountCents, string Status, Instant OrderedAt);

public static class CloseAccount
{
    public const string ClosedBlockReason = "account closed";

    public static void MapCloseAccount(this IEndpointRouteBuilder app)
    {
        app.MapPost("/me/account/close", Close).RequireAuthorization().WithTags("Cardholder").WithName("CloseMyAccount")
            .WithSummary("Close my account: my cards are blocked, their balance paid back by bank transfer, my personal data erased.");
        app.MapGet("/finance/refund-orders", List).RequireAuthorization(AccountsSetup.FinancePolicy).WithTags("Finance")
            .WithSummary("Finance: refunds of closed accounts to pay by bank transfer.");
    }

    private static async Task<Results<Ok<AccountClosed>, ProblemHttpResult>> Close(
        CloseAccountRequest? request, ClaimsPrincipal user, IDocumentStore store, PersonalDataVault vault, Payments.Gateways.IPaymentGateway gateway,
        IClock clock, CancellationToken ct)
    {
        var iban = new string((request?.Iban ?? "").Where(char.IsAsciiLetterOrDigit).ToArray()).ToUpperInvariant();
        if (!IsValidIban(iban))
            return Problems.BadRequest("Invalid IBAN", "iban must be a valid IBAN (the balance is paid back to it).");
        if (string.IsNullOrWhiteSpace(request!.AccountHolder) || request.AccountHolder.Length > 200)
            return Problems.BadRequest("Missing account holder", "accountHolder is the name on the bank account (1 to 200 characters).");

        var accountId = user.AccountId();
        IReadOnlyList<Card> cards;
        await using (var query = store.QuerySession())
        {
            var ids = await query.Query<CardOwnership>().Where(o => o.AccountId == accountId).Select(o => o.Id).ToListAsync(ct);
            cards = await query.LoadManyAsync<Card>(ct, ids);
        }
        if (cards.FirstOrDefault(c => c.Debt > Money.Zero) is { } indebted)
            return Problems.Unprocessable("Debt to settle", $"Card {indebted.Id} owes {indebted.Debt}: reload it to settle the debt, then close the account.");
        if (cards.FirstOrDefault(c => c.Reserved > Money.Zero) is { } pending)
            return Problems.Unprocessable("Reload in progress", $"Card {pending.Id} has a reload in progress; close the account once it is paid or canceled.");

        try
        {
            // Saved bank cards detached and automatic reloading removed before anything else: a closed account is never charged.
            await Payments.AutoReloads.AutoReloadSettings.RemoveAllOfAccountAsync(store, gateway, clock, accountId, ct);
        }
        catch (Payments.Gateways.PaymentGatewayException e)
        {
            return TypedResults.Problem(detail: $"{e.Message} The account is not closed; try again.", statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Payment provider unavailable");
        }

        var bankDetails = await vault.SealAsync($"refund:{accountId}", $"{request.AccountHolder.Trim()} {iban}", ct);
        var orders = new List<RefundOrder>();
        foreach (var card in cards)
            if (await CloseCardAsync(store, accountId, card.Id, bankDetails, clock, ct) is { } order)
                orders.Add(order);
        await PersonalData.EraseAsync(store, accountId, clock.GetCurrentInstant(), ct);
        return TypedResults.Ok(new AccountClosed(accountId, orders.Sum(o => o.AmountCents), orders.Select(View).ToList()));
    }

    /// <summary>Blocks the card and refunds its balance, once: a retry finds it blocked and empty, or collides on the order's id.</summary>
    private static Task<RefundOrder?> CloseCardAsync(IDocumentStore store, string accountId, Guid cardId, string bankDetails, IClock clock, CancellationToken ct) =>
        store.WriteAsync<RefundOrder?>(async (session, token) =>
        {
            var stream = await session.Events.FetchForWriting<Card>(cardId, token);
            var card = stream.Aggregate!;
            var now = clock.GetCurrentInstant();
            RefundOrder? order = null;
            if (CardDecisions.Decide(card, new BlockCard(ClosedBlockReason), now) is { } blocked)
                stream.AppendOne(blocked);
            if (card.Balance > Money.Zero)
            {
                var reference = $"closure/{accountId}/{cardId:N}";
                stream.AppendOne(new BalanceRefunded(cardId, card.Balance, "bank-transfer", reference, Money.Zero, now));
                order = new RefundOrder(reference, accountId, cardId, card.Balance.Cents, bankDetails, "to-pay", now);
                session.Insert(order);
            }
            return order;
        }, ct);

    private static async Task<Ok<IReadOnlyList<RefundOrderView>>> List(IQuerySession session, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<RefundOrderView>>((await session.Query<RefundOrder>().OrderBy(o => o.OrderedAt).Take(1000).ToListAsync(ct)).Select(View).ToList());

    private static RefundOrderView View(RefundOrder o) => new(o.Id, o.CardId, o.AmountCents, o.Status, o.OrderedAt);

    /// <summary>ISO 13616: 15 to 34 characters, country code, check digits, mod 97 of the rearranged number is 1.</summary>
    public static bool IsValidIban(string iban)
    {
        if (iban.Length is < 15 or > 34 || !char.IsAsciiLetter(iban[0]) || !char.IsAsciiLetter(iban[1]) || !char.IsAsciiDigit(iban[2]) || !char.IsAsciiDigit(iban[3]))
            return false;
        var digits = string.Concat((iban[4..] + iban[..4]).Select(c => char.IsAsciiDigit(c) ? c.ToString() : (c - 'A' + 10).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) % 97 == 1;
    }
}
