namespace CityPass.Host.Cards;

/// <summary>Section <c>Ledger</c>: the money ceilings the scheme accepts.</summary>
public sealed class LedgerOptions
{
    public long MaxLoadCents { get; set; } = MoneyLimits.Default.MaxLoad.Cents;
    public long MaxFareCents { get; set; } = MoneyLimits.Default.MaxFare.Cents;
    public long MaxBalanceCents { get; set; } = MoneyLimits.Default.MaxBalance.Cents;

    public MoneyLimits ToLimits() =>
        new(Money.FromCents(MaxLoadCents), Money.FromCents(MaxFareCents), Money.FromCents(MaxBalanceCents));
}
