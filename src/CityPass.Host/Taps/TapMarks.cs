namespace CityPass.Host.Taps;

/// <summary>
/// A card's counters spent by taps whose records were compacted away (<see cref="TapRecordCompaction"/>): every counter
/// up to <paramref name="Through"/>. A chip's counter only grows and those taps are older than the replay window, so a tap
/// presenting one of them again is a replay (or a clone), as it was while the record existed. One per card (its canonical UID).
/// </summary>
public sealed record SpentCounters(string Id, long Through)
{
    /// <summary>How a tap's counter at or below a card's spent counters is named in a refusal ("already used (tap …)").</summary>
    public static string? SpentBy(IReadOnlyDictionary<string, SpentCounters> spent, string uid, long counter) =>
        spent.TryGetValue(uid, out var s) && counter <= s.Through
            ? $"past the replay window: this card's counters up to {s.Through} were used by taps now compacted"
            : null;
}

/// <summary>
/// What a terminal's sequence numbers no longer need their tap records for. One per terminal (its id).
/// </summary>
/// <param name="GapsCheckedThrough">Every sequence number from the terminal's first to this one was received, or is in
/// <paramref name="OpenGaps"/>: gaps are looked for above it only, so an upload's gap report reads the terminal's recent
/// numbers and its open gaps, not its history (<see cref="Offline.SequenceGaps"/>).</param>
/// <param name="CompactedThrough">The highest sequence number whose record was compacted away (null: none was). A number
/// at or below it without a record was used by a tap past the replay window: online it is a reused number, offline a
/// duplicate; gaps below it are no longer reported (a tap that old is refused).</param>
/// <param name="OpenGaps">The gaps open at or below <paramref name="GapsCheckedThrough"/> when it was last moved, the lowest
/// first (at most <see cref="Offline.SequenceGaps.MaxKept"/>).</param>
public sealed record TerminalSequences(string Id, long GapsCheckedThrough, long? CompactedThrough,
    IReadOnlyList<CityPass.Contracts.Terminals.SequenceGap>? OpenGaps = null)
{
    /// <summary>Whether <paramref name="sequence"/> without a record was used by a compacted tap.</summary>
    public static bool Compacted(IReadOnlyDictionary<string, TerminalSequences> marks, string terminalId, long sequence) =>
        marks.TryGetValue(terminalId, out var mark) && sequence <= mark.CompactedThrough;
}
