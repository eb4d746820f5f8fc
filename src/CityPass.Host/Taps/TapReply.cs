using CityPass.Contracts.Terminals;

namespace CityPass.Host.Taps;

/// <summary>The answer to one <see cref="AuthorizeTap"/>: exactly one of the two contract messages.</summary>
public abstract record TapReply
{
    private TapReply() { }

    public sealed record Authorized(TapAuthorized Message) : TapReply;

    public sealed record Declined(TapDeclined Message) : TapReply;

    /// <summary>The longest id, UID or sequence text echoed back in an answer; longer values come back empty.</summary>
    public const int MaxEcho = 64;

    /// <summary>
    /// <see cref="TapDeclineReason.InvalidRequest"/>: a tap that is not one CityPass can decide (a missing or wrong field,
    /// unreadable JSON, another message type, too large). Echoes the terminal id and UID only when short enough to be
    /// one, so an oversized field never comes back.
    /// </summary>
    public static Declined InvalidRequest(string? terminalId, long sequence, string? cardUid, string message, Instant at) =>
        new(new(Echo(terminalId), sequence, Echo(cardUid), TapDeclineReason.InvalidRequest, message, null, at));

    /// <summary>A value as it may be echoed in an answer or a log line: empty when longer than <see cref="MaxEcho"/>.</summary>
    public static string Echo(string? value) => value is { Length: <= MaxEcho } ? value : "";
}

/// <summary>The answers to an <see cref="UploadOfflineTaps"/> that is refused whole.</summary>
public static class OfflineUploadReplies
{
    /// <summary>A batch CityPass cannot read or record (unreadable JSON, a missing or wrong field, too large): nothing recorded.</summary>
    public static OfflineTapsRefused Refused(string? terminalId, Guid batchId, string message, Instant at) =>
        new(TapReply.Echo(terminalId), batchId, OfflineTapsRefused.InvalidRequest, message, at);
}

public static class TapDeclineReasons
{
    /// <summary>The domain's reason as terminals receive it; every <see cref="DeclineReason"/> has one (a test checks).</summary>
    public static TapDeclineReason ToContract(this DeclineReason reason) => reason switch
    {
        DeclineReason.InvalidRequest => TapDeclineReason.InvalidRequest,
        DeclineReason.UnknownCard => TapDeclineReason.UnknownCard,
        DeclineReason.CardBlocked => TapDeclineReason.CardBlocked,
        DeclineReason.InsufficientFunds => TapDeclineReason.InsufficientFunds,
        DeclineReason.SequenceReused => TapDeclineReason.SequenceReused,
        DeclineReason.UnknownVenue => TapDeclineReason.UnknownVenue,
        DeclineReason.VenueClosed => TapDeclineReason.VenueClosed,
        DeclineReason.NoValidRight => TapDeclineReason.NoValidRight,
        DeclineReason.OutsideValidity => TapDeclineReason.OutsideValidity,
        DeclineReason.EventNotStarted => TapDeclineReason.EventNotStarted,
        DeclineReason.EventOver => TapDeclineReason.EventOver,
        DeclineReason.AlreadyUsed => TapDeclineReason.AlreadyUsed,
        DeclineReason.NoEntriesLeft => TapDeclineReason.NoEntriesLeft,
        DeclineReason.NotAuthenticated => TapDeclineReason.NotAuthenticated,
        DeclineReason.StaleRequest => TapDeclineReason.StaleRequest,
        DeclineReason.CardNotAuthentic => TapDeclineReason.CardNotAuthentic,
        DeclineReason.CardReplayed => TapDeclineReason.CardReplayed,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "A decline reason without a reason code for terminals."),
    };
}
