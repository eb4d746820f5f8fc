using CityPass.Domain.Finance;
using Npgsql;
using Weasel.Postgresql;

namespace CityPass.Host.Finance.Postings;

public sealed record AccountBalance(string Account, long BalanceCents);

/// <summary>A card whose own balance or debt differs from what the ledger posted for it: where to look when unbalanced.</summary>
public sealed record CardMismatch(Guid CardId, long BalanceCents, long LedgerBalanceCents, long DebtCents, long LedgerDebtCents);

/// <param name="TotalCents">The sum of every posting: zero, always.</param>
/// <param name="StoredValueLiabilityCents">What the ledger says the scheme owes cardholders (the stored-value account, as a positive number).</param>
/// <param name="CardBalancesCents">The sum of every card's balance, from the cards themselves.</param>
/// <param name="LedgerSequence">The last event the ledger has posted; <paramref name="EventSequence"/> the last event committed, both read in one snapshot.</param>
/// <param name="EventsBehind">Events committed (in the same snapshot) that the ledger has not gone past yet.</param>
/// <param name="Status">balanced, catching-up (the ledger is <paramref name="EventsBehind"/> events behind: nothing is compared), or unbalanced (a real problem).</param>
/// <param name="UnbalancedEntries">Ledger entries whose lines do not sum to zero (at most 20).</param>
/// <param name="CardMismatches">Cards whose balance or debt differs from their postings (at most 20), when the ledger is up to date and unbalanced.</param>
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
    bool Balanced,
    long EventsBehind = 0,
    string Status = TrialBalance.StatusBalanced,
    IReadOnlyList<long>? UnbalancedEntries = null,
    IReadOnlyList<CardMismatch>? CardMismatches = null);

public static class TrialBalance
{
    public const string StatusBalanced = "balanced";
    public const string StatusCatchingUp = "catching-up";
    public const string StatusUnbalanced = "unbalanced";

    public static void MapTrialBalance(this IEndpointRouteBuilder app) =>
        app.FinanceGroup().MapGet("/trial-balance", Read)
            .WithName("TrialBalance")
            .WithSummary("Finance: every ledger account's balance (debits positive), their total (zero), and the stored-value liability against the sum of card balances, compared at one position.");

    private static async Task<Ok<TrialBalanceView>> Read(IDocumentStore store, CancellationToken ct) =>
        TypedResults.Ok(await ComputeAsync(store, ct));

    /// <summary>
    /// Reads the ledger, its progress, the events committed and the cards (an inline snapshot, written with the events) in one
    /// repeatable-read snapshot: the daemon writes a projection's rows and its progress in one transaction, so when the
    /// ledger's progress covers every event of the snapshot the two sides are at the same position and any gap is real.
    /// Otherwise the ledger is catching up and only the zero total is asserted.
    /// </summary>
    public static async Task<TrialBalanceView> ComputeAsync(IDocumentStore store, CancellationToken ct)
    {
        var schema = store.Options.DatabaseSchemaName;
        var accounts = new List<AccountBalance>();
        var unbalancedEntries = new List<long>();
        var mismatches = new List<CardMismatch>();
        long cardBalances, cardDebts, ledgerSequence, ledgerProgress, lastEvent, behind;
        await using var connection = ((PostgresqlDatabase)store.Storage.Database).CreateConnection();
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);

        async Task Rows(string sql, Action<NpgsqlDataReader> row)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                row(reader);
        }

        await Rows($"select line->>'account', sum((line->>'cents')::bigint)::bigint from {schema}.mt_doc_ledgerentry, jsonb_array_elements(data->'lines') as line group by 1 order by 1",
            r => accounts.Add(new AccountBalance(r.GetString(0), r.GetInt64(1))));
        (cardBalances, cardDebts, ledgerSequence, ledgerProgress, lastEvent, behind) = (0, 0, 0, 0, 0, 0);
        await Rows($"""
            with progress as (select coalesce((select max(last_seq_id) from {schema}.mt_event_progression where name like '%LedgerProjection%'), 0)::bigint as seq)
            select coalesce(sum((data->>'balance')::bigint), 0)::bigint, coalesce(sum((data->>'debt')::bigint), 0)::bigint,
                   (select coalesce(max(id), 0)::bigint from {schema}.mt_doc_ledgerentry),
                   (select seq from progress),
                   (select coalesce(max(seq_id), 0)::bigint from {schema}.mt_events),
                   (select count(*)::bigint from {schema}.mt_events, progress where seq_id > progress.seq)
            from {schema}.mt_doc_card
            """,
            r => (cardBalances, cardDebts, ledgerSequence, ledgerProgress, lastEvent, behind) =
                (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)));

        long Balance(string account) => accounts.Where(a => a.Account == account).Sum(a => a.BalanceCents);
        var total = accounts.Aggregate(0L, (s, a) => checked(s + a.BalanceCents));
        var liability = -Balance(LedgerAccounts.StoredValue);
        var debts = Balance(LedgerAccounts.CardDebts);
        var upToDate = behind == 0;
        var balanced = total == 0 && (!upToDate || (liability == cardBalances && debts == cardDebts));
        if (total != 0)
            await Rows($"select id from {schema}.mt_doc_ledgerentry, lateral (select sum((line->>'cents')::bigint) s from jsonb_array_elements(data->'lines') line) t where t.s <> 0 order by id limit 20",
                r => unbalancedEntries.Add(r.GetInt64(0)));
        if (upToDate && !balanced)
            await Rows($"""
                with ledger as (
                  select (e.data->>'cardId')::uuid as card,
                         sum(case when line->>'account' = '{LedgerAccounts.StoredValue}' then -(line->>'cents')::bigint else 0 end)::bigint as balance,
                         sum(case when line->>'account' = '{LedgerAccounts.CardDebts}' then (line->>'cents')::bigint else 0 end)::bigint as debt
                  from {schema}.mt_doc_ledgerentry e, jsonb_array_elements(e.data->'lines') line
                  where e.data->>'cardId' is not null group by 1)
                select coalesce(c.id, l.card), coalesce((c.data->>'balance')::bigint, 0), coalesce(l.balance, 0), coalesce((c.data->>'debt')::bigint, 0), coalesce(l.debt, 0)
                from {schema}.mt_doc_card c full join ledger l on l.card = c.id
                where coalesce((c.data->>'balance')::bigint, 0) <> coalesce(l.balance, 0) or coalesce((c.data->>'debt')::bigint, 0) <> coalesce(l.debt, 0)
                order by 1 limit 20
                """,
                r => mismatches.Add(new CardMismatch(r.GetGuid(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4))));

        var status = !balanced ? StatusUnbalanced : upToDate ? StatusBalanced : StatusCatchingUp;
        return new TrialBalanceView(accounts, total, liability, cardBalances, debts, cardDebts, Math.Max(ledgerSequence, ledgerProgress),
            lastEvent, upToDate, balanced, behind, status, unbalancedEntries, mismatches);
    }
}
