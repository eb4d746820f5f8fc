using NodaTime;

namespace CityPass.Contracts.Terminals;

/// <summary>
/// Taps a terminal decided alone while it had no link, uploaded later in batches (up to 1,000).
/// Sent by a terminal to the queue <see cref="TerminalQueues.OfflineTaps"/> as a request (or POSTed to
/// <c>/terminals/{terminalId}/offline-taps</c>); consumed by the CityPass host, which answers <see cref="OfflineTapsAccepted"/>
/// (or <see cref="OfflineTapsRefused"/> for a batch it cannot read or record).
/// Every tap is recorded exactly once by (terminal id, sequence), whatever the order and however often it is uploaded.
/// </summary>
/// <param name="BatchId">The terminal's id for this upload; an upload sent again may keep it.</param>
public sealed record UploadOfflineTaps(string TerminalId, Guid BatchId, IReadOnlyList<OfflineTap> Taps);

/// <summary>One tap honoured offline, signed by the terminal when it happened (same fields and signature as an online tap).</summary>
public sealed record OfflineTap(
    long Sequence,
    string CardUid,
    string VenueId,
    Instant TerminalTime,
    long CardCounter,
    string Cryptogram,
    string Mac);

/// <summary>The outcome of an upload. Sent by the CityPass host in reply to <see cref="UploadOfflineTaps"/>; consumed by the terminal, which may then forget the recorded and duplicate taps.</summary>
/// <param name="Recorded">Taps recorded by this upload.</param>
/// <param name="Duplicates">Taps already recorded by an earlier upload (or online): nothing done.</param>
/// <param name="Rejected">Taps refused: not signed by this terminal. Kept by the terminal for support; not retried.</param>
/// <param name="Flagged">Recorded taps that need a person's review (a blocked card honoured, an overdraft, a cloned card, clock skew).</param>
/// <param name="Gaps">Sequence numbers of this terminal never received, online or offline (ranges, inclusive).</param>
public sealed record OfflineTapsAccepted(
    string TerminalId,
    Guid BatchId,
    int Recorded,
    int Duplicates,
    int Rejected,
    IReadOnlyList<OfflineTapFlag> Flagged,
    IReadOnlyList<SequenceGap> Gaps);

/// <summary>
/// The upload is refused whole and nothing was recorded: fix it and upload again (the same taps under the same sequence
/// numbers). Sent by the CityPass host in reply to <see cref="UploadOfflineTaps"/> instead of <see cref="OfflineTapsAccepted"/>
/// when the batch cannot be read (not JSON, a field of the wrong type, another message type, too large) or breaks a rule
/// (more than 1,000 taps, a missing field, one sequence number for two different taps, a tap older than the 35-day
/// replay window).
/// </summary>
/// <param name="TerminalId">Echoed from the request when it could be read (empty otherwise, or when longer than 64 characters).</param>
/// <param name="BatchId">Echoed from the request when it could be read (all zeros otherwise).</param>
/// <param name="Reason">A machine-readable code: <see cref="InvalidRequest"/>.</param>
/// <param name="Message">What is wrong, in words; never a copy of the offending value.</param>
/// <param name="DecidedAt">When the back end refused it (server clock).</param>
public sealed record OfflineTapsRefused(string TerminalId, Guid BatchId, string Reason, string Message, Instant DecidedAt)
{
    /// <summary>The batch cannot be read or breaks a rule of the upload.</summary>
    public const string InvalidRequest = "InvalidRequest";
}

/// <summary>A recorded offline tap that a person should look at, and why.</summary>
/// <param name="Sequence">The tap's sequence number.</param>
/// <param name="Reason">"card-was-denied", "overdraft", "card-replayed", "card-not-authentic", "clock-skew", "not-honourable:&lt;decline reason&gt;",
/// "cap-memory-lapsed"; several may come in one reason, separated by commas (e.g. "card-was-denied,clock-skew").</param>
public sealed record OfflineTapFlag(long Sequence, string Reason);

/// <summary>Sequence numbers of a terminal that never reached CityPass, from <paramref name="From"/> to <paramref name="To"/> inclusive.</summary>
/// <param name="From">The first missing sequence number.</param>
/// <param name="To">The last missing sequence number.</param>
public sealed record SequenceGap(long From, long To);

/// <summary>
/// The deny list moved on: cards to refuse offline (and cards no longer to refuse). Published by the CityPass host on the
/// fanout exchange <see cref="TerminalQueues.DenyList"/>; every terminal binds a queue of its own to it. A terminal that
/// sees a version gap, or was away, re-syncs over HTTP: <c>GET /deny-list?since=&lt;its version&gt;</c>.
/// </summary>
/// <param name="Version">The deny list's version after these changes.</param>
/// <param name="Signature">Protocol 2: ECDSA P-256 / SHA-256 with the scheme's deny-list key over the change's canonical form
/// (IEEE P1363 r‖s, base64). A terminal applies nothing that does not verify with the public key it got at enrolment.</param>
public sealed record DenyListChanged(long Version, IReadOnlyList<DenyListEntry> Changes, string? Signature = null);

/// <param name="CardUid">Canonical UID (upper-case hex).</param>
/// <param name="Denied">True: refuse this card offline. False: it was put back into service.</param>
/// <param name="Reason">A code, never the desk's words: "lost", "stolen", "fraud", "debt", "damaged" or "other" when denied;
/// "unblocked" when put back into service.</param>
/// <param name="Version">The deny-list version this change made.</param>
public sealed record DenyListEntry(string CardUid, bool Denied, string Reason, long Version);

/// <summary>
/// A terminal's sign of life, every minute or so. Sent by a terminal to <see cref="TerminalQueues.Heartbeats"/> (one way);
/// consumed by the CityPass host, which lists silent and out-of-date terminals at <c>GET /terminals/health</c>.
/// </summary>
/// <param name="Mac">HMAC-SHA256 with the terminal's key over the canonical form of ("TerminalHeartbeat", terminalId, softwareVersion,
/// denyListVersion, pendingOfflineTaps, terminalTime in Unix ms): docs/terminal-protocol.md.</param>
public sealed record TerminalHeartbeat(
    string TerminalId,
    string SoftwareVersion,
    long DenyListVersion,
    int PendingOfflineTaps,
    Instant TerminalTime,
    string Mac);
