using System.Collections;
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
        using (logger.BeginScope(new MessageScope(context, Activity.Current)))
            await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("citypass-log-scope");

    /// <summary>
    /// The scope's values, read from the message only when a logger enumerates them: most tap messages write no log
    /// line, and this filter runs for every one of them.
    /// </summary>
    private sealed class MessageScope(ConsumeContext<T> context, Activity? consume) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private List<KeyValuePair<string, object?>>? _values;

        private List<KeyValuePair<string, object?>> Values => _values ??= Read();

        public int Count => Values.Count;

        public KeyValuePair<string, object?> this[int index] => Values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Values.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => string.Join(", ", Values.Select(v => $"{v.Key}:{v.Value}"));

        private List<KeyValuePair<string, object?>> Read()
        {
            var values = new List<KeyValuePair<string, object?>>
            {
                new("MessageId", context.MessageId),
                new("CorrelationId", context.RequestId ?? context.CorrelationId ?? context.MessageId),
                new("TraceId", consume?.TraceId.ToHexString()),
            };
            switch (context.Message)
            {
                case AuthorizeTap tap:
                    values.AddRange([new("TerminalId", tap.TerminalId), new("Sequence", tap.Sequence), new("CardUid", tap.CardUid)]);
                    break;
                case UploadOfflineTaps upload:
                    values.AddRange([new("TerminalId", upload.TerminalId), new("BatchId", upload.BatchId)]);
                    break;
                case TerminalHeartbeat beat:
                    values.Add(new("TerminalId", beat.TerminalId));
                    break;
            }
            return values;
        }
    }
}
