using CityPass.Contracts.Terminals;

namespace CityPass.Host.Taps;

/// <summary>The answer to one <see cref="AuthorizeTap"/>: exactly one of the two contract messages.</summary>
public abstract record TapReply
{
    private TapReply() { }

    public sealed record Authorized(TapAuthorized Message) : TapReply;

    public sealed record Declined(TapDeclined Message) : TapReply;
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
