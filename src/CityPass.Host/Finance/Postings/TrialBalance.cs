using CityPass.Domain.Finance;
using Npgsql;
using Weasel.Postgresql;

namespace CityPass.Host.Finance.Postings;

public sealed record AccountBalance(string Account, long BalanceCents);

/// <param name="TotalCents">The sum of every posting: zero, always.</param>
/// <param name="StoredValueLiabilityCents">What the ledger says the scheme owes cardholders (the stored-value account, as a positive number).</param>
/// <param name="CardBalancesCents">The sum of every card's balance, from the cards themselves.</param>
/// <param name="LedgerSequence">The last event the ledger has posted; <paramref name="EventSequence"/> the async daemon's high water mark.</param>
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
        var accounts = new List<AccountBalance>();
        long cardBalances, cardDebts, ledgerSequence;
        await using (var connection = ((PostgresqlDatabase)store.Storage.Database).CreateConnection())
        {
            await connection.OpenAsync(ct);
            // One snapshot for the three reads, so the ledger and the cards are compared at the same instant.
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            await using (var command = new NpgsqlCommand(
                $"select line->>'account', sum((line->>'cents')::bigint)::bigint from {schema}.mt_doc_ledgerentry, jsonb_array_elements(data->'lines') as line group by 1 order by 1",
                connection, transaction))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                    accounts.Add(new AccountBalance(reader.GetString(0), reader.GetInt64(1)));
            }
            await using (var command = new NpgsqlCommand(
                $"select coalesce(sum((data->>'balance')::bigint), 0)::bigint, coalesce(sum((data->>'debt')::bigint), 0)::bigint, (select coalesce(max(id), 0)::bigint from {schema}.mt_doc_ledgerentry) from {schema}.mt_doc_card",
                connection, transaction))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                (cardBalances, cardDebts, ledgerSequence) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            }
        }
        // The high water mark is the last sequence the daemon knows complete (sequence numbers burnt by failed commits skipped).
        var progress = await store.Advanced.AllProjectionProgress(token: ct);
        var highWaterMark = progress.Where(p => p.ShardName == "HighWaterMark").Select(p => p.Sequence).DefaultIfEmpty(0).Max();
        var ledgerShard = progress.Where(p => p.ShardName.Contains("Ledger", StringComparison.Ordinal)).Select(p => p.Sequence).DefaultIfEmpty(0).Max();

        long Balance(string account) => accounts.Where(a => a.Account == account).Sum(a => a.BalanceCents);
        var total = accounts.Aggregate(0L, (s, a) => checked(s + a.BalanceCents));
        var liability = -Balance(LedgerAccounts.StoredValue);
        var debts = Balance(LedgerAccounts.CardDebts);
        var upToDate = ledgerShard >= highWaterMark;
        return new TrialBalanceView(accounts, total, liability, cardBalances, debts, cardDebts, Math.Max(ledgerSequence, ledgerShard),
            highWaterMark, upToDate, total == 0 && (!upToDate || (liability == cardBalances && debts == cardDebts)));
    }
}
