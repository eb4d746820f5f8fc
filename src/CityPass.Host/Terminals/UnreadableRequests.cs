using System.Text.Json;
using CityPass.Host.Taps;
using MassTransit;
using MassTransit.Middleware;
using MassTransit.Serialization;

namespace CityPass.Host.Terminals;

/// <summary>
/// What a terminal's request says about where its answer goes, read from the raw body alone, field by field, so that it
/// can be read from a body that is not valid JSON up to where it breaks. Values longer than an id are left out.
/// </summary>
public sealed record RawRequest(Uri? ResponseAddress, Guid? RequestId, string? TerminalId, long Sequence, string? CardUid, Guid BatchId)
{
    private const int MaxAddress = 512;

    public static RawRequest Read(ReadOnlySpan<byte> body)
    {
        Uri? responseAddress = null;
        Guid? requestId = null;
        string? terminalId = null, cardUid = null;
        long sequence = 0;
        var batchId = Guid.Empty;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var inMessage = false;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 1)
                    inMessage = false;
                if (reader.TokenType != JsonTokenType.PropertyName || (reader.CurrentDepth == 2 && !inMessage))
                    continue;
                var depth = reader.CurrentDepth;
                var name = reader.ValueSpan.Length <= 32 ? reader.GetString()!.ToLowerInvariant() : "";
                if (!reader.Read())
                    break;
                if (depth == 1 && name == "message" && reader.TokenType == JsonTokenType.StartObject)
                {
                    inMessage = true;
                    continue;
                }
                if (depth == 1 && name == "responseaddress" && Text(ref reader, MaxAddress) is { } address
                    && Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "rabbitmq" or "rabbitmqs" or "queue" or "exchange")
                    responseAddress = uri;
                else if (depth == 1 && name == "requestid" && Guid.TryParse(Text(ref reader, 64), out var id))
                    requestId = id;
                else if (depth == 2 && name == "terminalid")
                    terminalId = Text(ref reader, TapReply.MaxEcho);
                else if (depth == 2 && name == "carduid")
                    cardUid = Text(ref reader, TapReply.MaxEcho);
                else if (depth == 2 && name == "sequence" && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
                    sequence = number;
                else if (depth == 2 && name == "batchid" && Guid.TryParse(Text(ref reader, 64), out var batch))
                    batchId = batch;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON from here on: what was read before stands.
        }
        return new RawRequest(responseAddress, requestId, terminalId, sequence, cardUid, batchId);
    }

    private static string? Text(ref Utf8JsonReader reader, int max) =>
        reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length <= max * 6 && reader.GetString() is { } text && text.Length <= max ? text : null;
}

/// <summary>One of the queues terminals send to: the message it takes, its size limit, and how to answer one it cannot read.</summary>
/// <param name="Answer">The answer to a request that cannot be read, from what could be read of it; null for one-way messages.</param>
public sealed record TerminalRequestShape(string Name, Type MessageType, int MaxBytes, Func<RawRequest, string, Instant, object>? Answer)
{
    public string MessageUrn => $"urn:message:{MessageType.Namespace}:{MessageType.Name}";

    /// <summary>
    /// Why this body is not a request of this queue: too large, not JSON, another message type, no message, a field of the
    /// wrong type. Null when it is one (it failed for another reason). Never quotes the body.
    /// </summary>
    public string? Problem(ReadOnlyMemory<byte> body)
    {
        if (body.Length > MaxBytes)
            return $"The request is {body.Length} bytes; a {Name} is at most {MaxBytes} bytes.";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            return $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).";
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return "The body is not a JSON object (the envelope of contracts/README.md).";
            JsonElement? types = null, message = null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.NameEquals("messageType") || string.Equals(property.Name, "messageType", StringComparison.OrdinalIgnoreCase))
                    types = property.Value;
                else if (string.Equals(property.Name, "message", StringComparison.OrdinalIgnoreCase))
                    message = property.Value;
            }
            if (types is not { ValueKind: JsonValueKind.Array } array || !array.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && t.ValueEquals(MessageUrn)))
                return $"messageType must be [\"{MessageUrn}\"] on this queue.";
            if (message is not { ValueKind: JsonValueKind.Object } payload)
                return "message is missing or not a JSON object.";
            try
            {
                return payload.Deserialize(MessageType, SystemTextJsonMessageSerializer.Options) is null ? "message is null." : null;
            }
            catch (JsonException e)
            {
                var path = e.Path is { Length: > 1 and <= 64 } p ? "message" + p.TrimStart('$') : "message";
                return $"{path} has the wrong type or format (see contracts/README.md).";
            }
            catch (Exception e) when (e is NotSupportedException or InvalidOperationException or FormatException or ArgumentException)
            {
                return "message cannot be read as a " + Name + ".";
            }
        }
    }
}

/// <summary>
/// Every request a terminal sends gets one answer: one that cannot be read (not JSON, a field of the wrong type, a null
/// message, another message type, larger than the queue's limit) is answered at its <c>responseAddress</c>, when that
/// can be read, with the queue's "invalid request" answer, and recorded as a <c>malformed-request</c> incident. Only
/// what cannot be answered (no readable response address, one-way heartbeats) goes on to the <c>_error</c> and
/// <c>_skipped</c> queues. A request that was read but failed for another reason takes MassTransit's usual path.
/// </summary>
public sealed partial class UnreadableRequestAnswerer(TerminalRequestShape shape, IncidentLog incidents, IClock clock, ILogger<UnreadableRequestAnswerer> logger)
{
    /// <returns>Whether the request was unreadable and answered (nothing more to do with it).</returns>
    public async Task<bool> TryAnswerAsync(ReceiveContext context)
    {
        // The error pipe answered it already: MassTransit then offers the same delivery to the skipped pipe too.
        if (context.TryGetPayload<Answered>(out _))
            return true;
        var body = context.Body.GetBytes();
        if (shape.Problem(body) is not { } problem)
            return false;
        var raw = RawRequest.Read(body);
        var now = clock.GetCurrentInstant();
        var answered = false;
        if (shape.Answer is { } answer && raw.ResponseAddress is { } address)
        {
            var reply = answer(raw, problem, now);
            var endpoint = await context.SendEndpointProvider.GetSendEndpoint(address);
            await endpoint.Send(reply, reply.GetType(), Pipe.Execute<SendContext>(send => send.RequestId = raw.RequestId), context.CancellationToken);
            context.GetOrAddPayload(() => new Answered());
            answered = true;
        }
        Unreadable(logger, shape.Name, TapReply.Echo(raw.TerminalId), raw.Sequence, answered, problem);
        try
        {
            await incidents.ReportAsync(new SecurityIncident(Guid.CreateVersion7(), "malformed-request", raw.TerminalId, raw.CardUid,
                raw.Sequence, $"{shape.Name} on {context.InputAddress.AbsolutePath.Trim('/')}: {problem}{(answered ? "" : " Not answered: no response address.")}", now),
                context.CancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The answer is what the terminal needs; the record is best effort (the database may be down).
            NotRecorded(logger, e);
        }
        return answered;
    }

    private sealed class Answered;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unreadable {Shape} from terminal {TerminalId} #{Sequence} (answered: {Answered}): {Problem}")]
    private static partial void Unreadable(ILogger logger, string shape, string terminalId, long sequence, bool answered, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An unreadable request could not be recorded")]
    private static partial void NotRecorded(ILogger logger, Exception exception);
}

public static class UnreadableRequests
{
    /// <summary>Answers the unreadable requests of this endpoint (<see cref="UnreadableRequestAnswerer"/>); call it first in the definition.</summary>
    public static void AnswerUnreadableRequests(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context, TerminalRequestShape shape)
    {
        var answerer = new UnreadableRequestAnswerer(shape, context.GetRequiredService<IncidentLog>(), context.GetRequiredService<IClock>(),
            context.GetRequiredService<ILogger<UnreadableRequestAnswerer>>());
        // Before the message is read into its type: an oversized request goes to the error pipe below, which answers it.
        endpoint.UseFilter(new SizeLimitFilter(shape.MaxBytes));
        endpoint.ConfigureError(error =>
        {
            error.UseFilter(new AnswerUnreadableFilter(answerer));
            error.UseFilter(new GenerateFaultFilter());
            error.UseFilter(new ErrorTransportFilter());
        });
        endpoint.ConfigureDeadLetter(skipped =>
        {
            skipped.UseFilter(new AnswerSkippedFilter(answerer));
            skipped.UseFilter(new DeadLetterTransportFilter());
        });
    }

    public sealed class RequestTooLargeException(long bytes, int max) : Exception($"The request is {bytes} bytes; at most {max} are read.");

    private sealed class SizeLimitFilter(int maxBytes) : IFilter<ConsumeContext>
    {
        public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
        {
            var length = context.ReceiveContext.Body.Length ?? context.ReceiveContext.Body.GetBytes().Length;
            return length > maxBytes ? throw new RequestTooLargeException(length, maxBytes) : next.Send(context);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("terminalRequestSize");
    }

    private sealed class AnswerUnreadableFilter(UnreadableRequestAnswerer answerer) : IFilter<ExceptionReceiveContext>
    {
        public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
        {
            if (!await answerer.TryAnswerAsync(context))
                await next.Send(context);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("answerUnreadable");
    }

    private sealed class AnswerSkippedFilter(UnreadableRequestAnswerer answerer) : IFilter<ReceiveContext>
    {
        public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
        {
            if (!await answerer.TryAnswerAsync(context))
                await next.Send(context);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("answerSkipped");
    }
}
