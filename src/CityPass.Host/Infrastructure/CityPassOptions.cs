using CityPass.Domain;

namespace CityPass.Host.Infrastructure;

/// <summary>Section <c>Ledger</c>: the money ceilings the scheme accepts.</summary>
public sealed class LedgerOptions
{
    public long MaxLoadCents { get; set; } = MoneyLimits.Default.MaxLoad.Cents;
    public long MaxFareCents { get; set; } = MoneyLimits.Default.MaxFare.Cents;
    public long MaxBalanceCents { get; set; } = MoneyLimits.Default.MaxBalance.Cents;

    public MoneyLimits ToLimits() =>
        new(Money.FromCents(MaxLoadCents), Money.FromCents(MaxFareCents), Money.FromCents(MaxBalanceCents));
}

/// <summary>Section <c>Terminals</c>: where terminals send their requests.</summary>
public sealed class TerminalOptions
{
    public string TapQueue { get; set; } = CityPass.Contracts.Terminals.TerminalQueues.Taps;

    /// <summary>Taps a host decides at once; more instances of the host add their own.</summary>
    public int ConcurrentTaps { get; set; } = 32;
}

/// <summary>Section <c>Marten</c>.</summary>
public sealed class MartenSettings
{
    public string Schema { get; set; } = "citypass";
}
