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

    public string OfflineTapQueue { get; set; } = CityPass.Contracts.Terminals.TerminalQueues.OfflineTaps;

    public string HeartbeatQueue { get; set; } = CityPass.Contracts.Terminals.TerminalQueues.Heartbeats;

    /// <summary>A terminal not heard from for this long is listed as silent.</summary>
    public int SilentAfterSeconds { get; set; } = 300;

    /// <summary>Terminals running an older software version are listed as out of date (empty: no minimum).</summary>
    public string MinimumSoftwareVersion { get; set; } = "";

    /// <summary>Taps a host takes from the queue at once (they are decided in batches); more instances add their own.</summary>
    public int ConcurrentTaps { get; set; } = 128;

    /// <summary>How far an online tap's terminal time may be from the server's before it is refused as stale.</summary>
    public int MaxClockSkewSeconds { get; set; } = 120;
}

/// <summary>Section <c>Marten</c>.</summary>
public sealed class MartenSettings
{
    public string Schema { get; set; } = "citypass";
}
