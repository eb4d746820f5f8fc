using CityPass.Contracts.Terminals;
using CityPass.Host.Terminals;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Taps;

/// <summary>Answers a terminal's <see cref="AuthorizeTap"/> with <see cref="TapAuthorized"/> or <see cref="TapDeclined"/>.</summary>
public sealed partial class AuthorizeTapConsumer(TapBatcher batcher, TimeProvider time, ILogger<AuthorizeTapConsumer> logger) : IConsumer<AuthorizeTap>
{
    /// <summary>How long a tap is held while the database is unavailable when its request carries no expiration time.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(5);

    /// <summary>The longest a tap is held, whatever expiration its request asks for.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(30);

    public async Task Consume(ConsumeContext<AuthorizeTap> context)
    {
        switch (await DecideHoldingAsync(context))
        {
            case null:
                break;
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

    /// <summary>
    /// Decides the tap; while the database is unavailable (it restarts, a connection drops) the tap is held and tried
    /// again until its request expires, so that a short outage delays the answer instead of faulting it. A tap that
    /// could not be decided within its request's lifetime is not answered (its terminal resent it or decided offline)
    /// and is not put in the error queue: nothing was recorded, and the terminal's copy is the one that counts.
    /// </summary>
    private async Task<TapReply?> DecideHoldingAsync(ConsumeContext<AuthorizeTap> context)
    {
        // The request's lifetime is set by the terminal's and the broker's clocks: the wall clock, not the scheme's.
        var now = time.GetUtcNow().UtcDateTime;
        var expires = context.ExpirationTime is { } at ? at.ToUniversalTime() : (context.SentTime ?? now) + DefaultLifetime;
        var holdUntil = expires < now + MaxHold ? expires : now + MaxHold;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await batcher.DecideAsync(context.Message, context.CancellationToken);
            }
            catch (Exception e) when (DatabaseUnavailable(e))
            {
                var wait = TimeSpan.FromMilliseconds(Math.Min(100 * attempt, 500));
                if (time.GetUtcNow().UtcDateTime + wait >= holdUntil)
                {
                    NotDecided(logger, TapReply.Echo(context.Message.TerminalId), context.Message.Sequence, attempt, e.Message);
                    return null;
                }
                await Task.Delay(wait, context.CancellationToken);
            }
        }
    }

    /// <summary>PostgreSQL went away or is starting up: worth trying again in a moment (a bug or a bad request is not).</summary>
    public static bool DatabaseUnavailable(Exception e) =>
        e is Npgsql.NpgsqlException { IsTransient: true } or System.Net.Sockets.SocketException or TimeoutException
        || e.InnerException is { } inner && DatabaseUnavailable(inner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tap {TerminalId} #{Sequence} not decided within its request's lifetime ({Attempts} attempts, database unavailable: {Problem}); not answered")]
    private static partial void NotDecided(ILogger logger, string terminalId, long sequence, int attempts, string problem);

    // Generated: the level is checked before anything is boxed or formatted, so a tap pays nothing when Debug is off.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Tap authorized: {RightUsed}, {ChargedCents} cents")]
    private static partial void Authorized(ILogger logger, string rightUsed, long chargedCents);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tap declined: {Reason}")]
    private static partial void Declined(ILogger logger, TapDeclineReason reason);
}

/// <summary>
/// The tap queue (<c>Terminals:TapQueue</c>): as many taps at once as <c>Terminals:ConcurrentTaps</c>, decided in batches.
/// A database outage holds a tap within its request's lifetime (<see cref="AuthorizeTapConsumer"/>); other failures are
/// retried a few times and what still fails goes to <c>&lt;queue&gt;_error</c>. Requests that cannot be read are answered
/// <c>InvalidRequest</c> (<see cref="UnreadableRequests"/>).
/// </summary>
public sealed class AuthorizeTapConsumerDefinition : ConsumerDefinition<AuthorizeTapConsumer>
{
    /// <summary>A tap envelope is about 1 KB; anything above 16 KiB is refused unread.</summary>
    public const int MaxBytes = 16 * 1024;

    public static readonly TerminalRequestShape Shape = new("tap", typeof(AuthorizeTap), MaxBytes,
        (raw, problem, at) => TapReply.InvalidRequest(raw.TerminalId, raw.Sequence, raw.CardUid, problem, at).Message);

    private readonly TerminalOptions _terminals;

    public AuthorizeTapConsumerDefinition(IOptions<TerminalOptions> terminals)
    {
        _terminals = terminals.Value;
        EndpointName = _terminals.TapQueue;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<AuthorizeTapConsumer> consumer, IRegistrationContext context)
    {
        endpoint.AnswerUnreadableRequests(context, Shape);
        endpoint.PrefetchCount = _terminals.ConcurrentTaps;
        endpoint.ConcurrentMessageLimit = _terminals.ConcurrentTaps;
        endpoint.UseMessageRetry(r =>
        {
            // A request that cannot be read is answered at once (UnreadableRequests), not retried.
            r.Ignore<System.Text.Json.JsonException>();
            r.Ignore<System.Runtime.Serialization.SerializationException>();
            r.Intervals(50, 250, 1000);
        });
    }
}
