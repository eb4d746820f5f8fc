using CityPass.Contracts.Terminals;

namespace CityPass.Host.Terminals;

/// <summary>Section <c>Terminals</c>: where terminals send their requests.</summary>
public sealed class TerminalOptions
{
    public string TapQueue { get; set; } = TerminalQueues.Taps;

    public string OfflineTapQueue { get; set; } = TerminalQueues.OfflineTaps;

    public string HeartbeatQueue { get; set; } = TerminalQueues.Heartbeats;

    /// <summary>A terminal not heard from for this long is listed as silent.</summary>
    public int SilentAfterSeconds { get; set; } = 300;

    /// <summary>Terminals running an older software version are listed as out of date (empty: no minimum).</summary>
    public string MinimumSoftwareVersion { get; set; } = "";

    /// <summary>Taps a host takes from the queue at once (they are decided in batches); more instances add their own.</summary>
    public int ConcurrentTaps { get; set; } = 128;

    /// <summary>
    /// Tap batches decided and committed at once, each writer taking the taps of its own cards (by UID). Default: one per
    /// two cores; a writer keeps about a core busy (the host's share and PostgreSQL's), and on two cores shared with the
    /// broker and the database one writer with larger batches did more taps than two (docs/performance.md).
    /// </summary>
    public int TapWriters { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// RabbitMQ's management API with a login tagged <c>administrator</c> (<c>http://user:password@host:15672/</c>): each
    /// enrolled terminal gets a broker user of its own (<see cref="BrokerAccounts"/>). Empty: terminals share the host's
    /// login (Development without the plugin only; a deployment refuses to start, Security/StartupSecrets.cs).
    /// </summary>
    public string BrokerManagementUri { get; set; } = "";

    /// <summary>Terminals' broker users are this prefix and the terminal id.</summary>
    public string BrokerUserPrefix { get; set; } = "terminal.";

    /// <summary>How far an online tap's terminal time may be from the server's before it is refused as stale.</summary>
    public int MaxClockSkewSeconds { get; set; } = 120;

    /// <summary>
    /// Two taps of one card at different venues whose terminal times are closer than this are reported as a clone
    /// (<c>card-far-apart</c>); 0 turns the check off.
    /// </summary>
    public int FarApartSeconds { get; set; } = 60;

    /// <summary>
    /// The replay window: an offline upload holding a tap whose terminal time is older than this is refused whole, and
    /// tap records older than this are compacted (<see cref="Taps.TapRecordCompaction"/>).
    /// </summary>
    public int OfflineUploadDays { get; set; } = 35;

    /// <summary>How often the background role compacts tap records past the replay window.</summary>
    public int CompactTapRecordsEveryMinutes { get; set; } = 60;
}
