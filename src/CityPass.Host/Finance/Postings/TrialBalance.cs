using CityPass.Domain.Finance;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Host.Finance.Postings;

public sealed record AccountBalance(string Account, long BalanceCents);

/// <param name="TotalCents">The sum of every posting: zero, always.</param>
/// <param name="StoredValueLiabilityCents">What the ledger says the scheme owes cardholders (the stored-value account, as a positive number).</param>
/// <param name="CardBalancesCents">The sum of every card's balance, from the cards themselves.</param>
/// <param name="LedgerSequence">The last event the ledger has posted; <paramref name="EventSequence"/> the last committed.</param>
public sealed record TrialBalanceView(
    IReadOnlyList<AccountBalance> Accounts,
    long TotalCents,
    long StoredValueLiabilityCents,
    long CardBalancesCents,
    long CardDebtsLedgerCents,
    long CardDebtsCents,
    long LedgerSequence,
    long EventSequence,
    bool LedgerUpToDate,
    bool Balanced);

public static class TrialBalance
{
    public static void MapTrialBalance(this IEndpointRouteBuilder app) =>
        app.FinanceGroup().MapGet("/trial-balance", Read)
            .WithName("TrialBalance")
            .WithSummary("Finance: every ledger account's balance (debits positive), their total (zero), and the stored-value liability against the sum of card balances.");

    private static async Task<Ok<TrialBalanceView>> Read(IDocumentStore store, CancellationToken ct) =>
        TypedResults.Ok(await ComputeAsync(store, ct));

    public static async Task<TrialBalanceView> ComputeAsync(IDocumentStore store, CancellationToken ct)
    {
        var schema = store.Options.DatabaseSchemaName;
        await using var session = store.QuerySession();
        var accounts = (await session.AdvancedSql.QueryAsync<string, long>(
                $"select line->>'account', sum((line->>'cents')::bigint)::bigint from {schema}.mt_doc_ledgerentry, jsonb_array_elements(data->'lines') as line group by 1 order by 1",
                ct))
            .Select(r => new AccountBalance(r.Item1, r.Item2)).ToList();
        var cards = (await session.AdvancedSql.QueryAsync<long, long>(
            $"select coalesce(sum((data->>'balance')::bigint), 0)::bigint, coalesce(sum((data->>'debt')::bigint), 0)::bigint from {schema}.mt_doc_card", ct)).Single();
        var ledgerSequence = (await session.AdvancedSql.QueryAsync<long>($"select coalesce(max(id), 0)::bigint from {schema}.mt_doc_ledgerentry", ct)).Single();
        var statistics = await store.Advanced.FetchEventStoreStatistics(token: ct);
        var progress = await store.Advanced.AllProjectionProgress(token: ct);
        var ledgerShard = progress.Where(p => p.ShardName.StartsWith(nameof(LedgerProjection), StringComparison.Ordinal)).Select(p => p.Sequence).DefaultIfEmpty(0).Max();

        long Balance(string account) => accounts.Where(a => a.Account == account).Sum(a => a.BalanceCents);
        var total = accounts.Aggregate(0L, (s, a) => checked(s + a.BalanceCents));
        var liability = -Balance(LedgerAccounts.StoredValue);
        var debts = Balance(LedgerAccounts.CardDebts);
        var upToDate = ledgerShard >= statistics.EventSequenceNumber;
        return new TrialBalanceView(accounts, total, liability, cards.Item1, debts, cards.Item2, Math.Max(ledgerSequence, ledgerShard),
            statistics.EventSequenceNumber, upToDate, total == 0 && (!upToDate || (liability == cards.Item1 && debts == cards.Item2)));
    }
}
