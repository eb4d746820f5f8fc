using CityPass.Contracts.Terminals;
using CityPass.Host.Terminals;
using MassTransit;
using Microsoft.Extensions.Options;

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

/// <summary>
/// The tap queue (<c>Terminals:TapQueue</c>): as many taps at once as <c>Terminals:ConcurrentTaps</c>, decided in batches.
/// Transient faults (a dropped database connection) are retried; what still fails goes to <c>&lt;queue&gt;_error</c>.
/// </summary>
public sealed class AuthorizeTapConsumerDefinition : ConsumerDefinition<AuthorizeTapConsumer>
{
    private readonly TerminalOptions _terminals;

    public AuthorizeTapConsumerDefinition(IOptions<TerminalOptions> terminals)
    {
        _terminals = terminals.Value;
        EndpointName = _terminals.TapQueue;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<AuthorizeTapConsumer> consumer, IRegistrationContext context)
    {
        endpoint.PrefetchCount = _terminals.ConcurrentTaps;
        endpoint.ConcurrentMessageLimit = _terminals.ConcurrentTaps;
        endpoint.UseMessageRetry(r => r.Intervals(50, 250, 1000));
    }
}
