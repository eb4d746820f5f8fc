using NodaTime;

namespace CityPass.Domain.Finance;

// The finance ledger: accounts, the lines of a double-entry posting, and one ledger entry per money-moving event.
// Sign convention: a debit is positive, a credit negative; the lines of every entry sum to zero, so the whole
// ledger does too. Liabilities (stored value, owed to operators, refunds payable) therefore carry negative balances.

public static class LedgerAccounts
{
    /// <summary>Cardholders' stored value: what the scheme owes the holders of cards (a liability).</summary>
    public const string StoredValue = "liability:stored-value";

    /// <summary>Money the payment provider collected for us and has not paid out yet (an asset); one per provider.</summary>
    public static string Clearing(string provider) => $"asset:clearing:{provider}";

    /// <summary>What the scheme owes an operator for fares and products honoured at its venues (a liability).</summary>
    public static string OwedTo(string operatorId) => $"liability:operator:{operatorId}";

    public const string OperatorPrefix = "liability:operator:";

    /// <summary>Refunds and lost disputes decided but not yet seen leaving the provider's balance (a liability).</summary>
    public const string RefundsPayable = "liability:refunds-payable";

    /// <summary>Value a cardholder spent and then had taken back by a refund or a lost dispute (a receivable).</summary>
    public const string CardDebts = "asset:card-debts";

    /// <summary>A lost card's value between leaving it and reaching its replacement (two steps, two transactions).</summary>
    public const string StoredValueInTransit = "liability:stored-value-in-transit";

    /// <summary>A lost card's debt between leaving it and reaching its replacement.</summary>
    public const string CardDebtsInTransit = "asset:card-debts-in-transit";

    /// <summary>Credits the scheme gave without a payment (an administrator's load, the demo's seed): the scheme funded them.</summary>
    public const string SchemeFunded = "equity:scheme-funded";

    /// <summary>The provider's fees, as its balance transactions report them (an expense).</summary>
    public const string ProviderFees = "expense:provider-fees";

    /// <summary>Payouts the provider sent to the scheme's bank account (an asset).</summary>
    public const string Bank = "asset:bank";
}

/// <summary>One line of a posting: a debit (positive) or a credit (negative) to an account.</summary>
public sealed record PostingLine(string Account, long Cents);

/// <summary>
/// What one event means to finance: its balanced postings and what statements count (visits, venue, product, profile).
/// <paramref name="Id"/> is the event's global sequence number, so entries are ordered as the events were committed.
/// </summary>
/// <param name="Kind">The code of a <see cref="LedgerKind"/>: load, fare, entry, purchase, reclaim, debt, debt-settled, provider-fee…</param>
/// <param name="BusinessDay">The service day the event counts in: a tap's own service date, else the day of its instant.</param>
/// <param name="DayNumber">The same day as a number (days since 1970-01-01), so the store can compare it.</param>
/// <param name="Source">For loads: admin, demo, stripe, sandbox.</param>
/// <param name="Reference">For loads and reversals: the PaymentIntent id; for provider rows: the balance transaction id.</param>
public sealed record LedgerEntry(
    long Id,
    string Kind,
    Instant At,
    LocalDate BusinessDay,
    long DayNumber,
    Guid? CardId,
    string? OperatorId,
    string? VenueId,
    string? ProductId,
    string? ProfileId,
    int Visits,
    string? Source,
    string? Reference,
    IReadOnlyList<PostingLine> Lines)
{
    public bool Is(LedgerKind kind) => Kind == kind.Code;

    public long Sum => Lines.Aggregate(0L, (sum, l) => checked(sum + l.Cents));

    public long On(string account) => Lines.Where(l => l.Account == account).Aggregate(0L, (sum, l) => checked(sum + l.Cents));

    public static long DayNumberOf(LocalDate day) => Period.Between(new LocalDate(1970, 1, 1), day, PeriodUnits.Days).Days;
}
