using CityPass.Contracts.Terminals;
using MassTransit;

namespace CityPass.Host.Taps;

/// <summary>Answers a terminal's <see cref="AuthorizeTap"/> with <see cref="TapAuthorized"/> or <see cref="TapDeclined"/>.</summary>
public sealed partial class AuthorizeTapConsumer(TapBatcher batcher, ILogger<AuthorizeTapConsumer> logger) : IConsumer<AuthorizeTap>
{
    public async Task Consume(ConsumeContext<AuthorizeTap> context)
    {
        switch (await batcher.DecideAsync(context.Message, context.CancellationToken))
        {
            case TapReply.Authorized(var authorized):
                Authorized(logger, authorized.RightUsed, authorized.ChargedCents);
                await context.RespondAsync(authorized);
                break;
            case TapReply.Declined(var declined):
                Declined(logger, declined.Reason);
                await context.RespondAsync(declined);
                break;
        }
    }

    // Generated: the level is checked before anything is boxed or formatted, so a tap pays nothing when Debug is off.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Tap authorized: {RightUsed}, {ChargedCents} cents")]
    private static partial void Authorized(ILogger logger, string rightUsed, long chargedCents);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tap declined: {Reason}")]
    private static partial void Declined(ILogger logger, TapDeclineReason reason);
}
