using System.Diagnostics;
using CityPass.Contracts.Terminals;
using MassTransit;

namespace CityPass.Host.Operations.Telemetry;

/// <summary>
/// Every log line written while a terminal's message is consumed (CityPass's own, MassTransit's retries and faults)
/// carries the terminal, the message's ids and the trace: <c>TerminalId</c>, <c>Sequence</c> / <c>BatchId</c>,
/// <c>CardUid</c> (a card's UID is not personal data; the holder's name and e-mail never reach these messages),
/// <c>MessageId</c>, <c>CorrelationId</c> (the request's id, which the reply carries back) and <c>TraceId</c>.
/// </summary>
public sealed class LogScopeFilter<T>(ILogger<LogScopeFilter<T>> logger) : IFilter<ConsumeContext<T>> where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        using (logger.BeginScope(Scope(context)))
            await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("citypass-log-scope");

    public static Dictionary<string, object?> Scope(ConsumeContext<T> context)
    {
        var scope = new Dictionary<string, object?>
        {
            ["MessageId"] = context.MessageId,
            ["CorrelationId"] = context.RequestId ?? context.CorrelationId ?? context.MessageId,
            ["TraceId"] = Activity.Current?.TraceId.ToHexString(),
        };
        switch (context.Message)
        {
            case AuthorizeTap tap:
                (scope["TerminalId"], scope["Sequence"], scope["CardUid"]) = (tap.TerminalId, tap.Sequence, tap.CardUid);
                break;
            case UploadOfflineTaps upload:
                (scope["TerminalId"], scope["BatchId"]) = (upload.TerminalId, upload.BatchId);
                break;
            case TerminalHeartbeat beat:
                scope["TerminalId"] = beat.TerminalId;
                break;
        }
        return scope;
    }
}
