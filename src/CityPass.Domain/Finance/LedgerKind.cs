namespace CityPass.Domain.Finance;

/// <summary>
/// What a ledger entry records: a load, a fare, a purchase, a provider's row… <see cref="LedgerEntry.Kind"/> stays stored
/// as its code ("load", "provider-fee"), which the store indexes and queries; the code decides and compares with this type.
/// </summary>
public readonly record struct LedgerKind(string Code)
{
    public static readonly LedgerKind Load = new("load");
    public static readonly LedgerKind Fare = new("fare");
    public static readonly LedgerKind Entry = new("entry");
    public static readonly LedgerKind Purchase = new("purchase");
    public static readonly LedgerKind Reclaim = new("reclaim");
    public static readonly LedgerKind Debt = new("debt");
    public static readonly LedgerKind BalanceRefunded = new("balance-refunded");
    public static readonly LedgerKind TransferOut = new("transfer-out");
    public static readonly LedgerKind TransferIn = new("transfer-in");

    /// <summary>An offline fare the balance did not cover: the operator is owed it all, the cardholder owes the rest.</summary>
    public static readonly LedgerKind FareOwed = new("fare-owed");

    public static readonly LedgerKind DebtSettled = new("debt-settled");

    /// <summary>A payment provider's row of a reconciled report, by its reporting category ("fee", "refund", "payout"…).</summary>
    public static LedgerKind Provider(string reportingCategory) => new("provider-" + reportingCategory);

    public override string ToString() => Code;
}
