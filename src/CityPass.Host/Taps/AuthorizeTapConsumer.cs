using CityPass.Contracts.Terminals;
using MassTransit;

namespace CityPass.Host.Taps;

/// <summary>Answers a terminal's <see cref="AuthorizeTap"/> with <see cref="TapAuthorized"/> or <see cref="TapDeclined"/>.</summary>
public sealed class AuthorizeTapConsumer(TapBatcher batcher, ILogger<AuthorizeTapConsumer> logger) : IConsumer<AuthorizeTap>
{
    public async Task Consume(ConsumeContext<AuthorizeTap> context)
    {
        switch (await batcher.DecideAsync(context.Message, context.CancellationToken))
        {
            case TapAuthorized authorized:
                logger.LogDebug("Tap authorized: {RightUsed}, {ChargedCents} cents", authorized.RightUsed, authorized.ChargedCents);
                await context.RespondAsync(authorized);
                break;
            case TapDeclined declined:
                logger.LogDebug("Tap declined: {Reason}", declined.Reason);
                await context.RespondAsync(declined);
                break;
        }
    }
}
