using CityPass.Host.Terminals;
using System.Security.Cryptography;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace CityPass.Host.Operations.FailedMessages;

/// <summary>A message MassTransit moved to <c>&lt;queue&gt;_error</c> (it faulted after the retries) or <c>&lt;queue&gt;_skipped</c> (no consumer knew its type).</summary>
/// <param name="Id">The AMQP message id, or <c>sha256-…</c> of the body when the sender set none.</param>
/// <param name="Queue">The CityPass queue it came from and a replay sends it back to.</param>
/// <param name="FailedQueue">Where it waits now.</param>
/// <param name="Reason">MassTransit's <c>MT-Fault-Message</c>, or <c>MT-Reason</c> ("skipped").</param>
public sealed record FailedMessageSummary(
    string Id, string Queue, string FailedQueue, string? Reason, string? ExceptionType, string? FailedAt, int SizeBytes);

public sealed record FailedMessageDetail(
    string Id, string Queue, string FailedQueue, string? Reason, string? ExceptionType, string? FailedAt, int SizeBytes,
    string? ContentType, IReadOnlyDictionary<string, string?> Headers, string Body);

/// <summary>
/// Reads and replays the failed messages of the CityPass queues with RabbitMQ.Client. Listing <b>peeks</b>: it takes the
/// messages with basic.get without acknowledging them and then nacks them all with requeue, so none is lost (RabbitMQ
/// puts a requeued message back at its place). While a listing runs, the messages it holds are invisible to another
/// listing for a few milliseconds. A replay publishes the message (body, properties, headers without the MT-Fault-* ones)
/// to its queue with publisher confirms and only then acknowledges it in the error queue: at worst (a crash between the
/// two) it is both replayed and still listed, and a second replay is harmless because the consumers are idempotent.
/// </summary>
public sealed class FailedMessageStore(IConfiguration configuration, IClock clock, ILogger<FailedMessageStore> logger) : IAsyncDisposable
{
    public const int MaxPerQueue = 500;
    /// <summary>Where MassTransit moves a queue's faulted (<c>_error</c>) and unknown (<c>_skipped</c>) messages.</summary>
    public static readonly IReadOnlyList<string> Suffixes = ["_error", "_skipped"];

    private readonly TerminalOptions _terminals = configuration.GetSection("Terminals").Get<TerminalOptions>() ?? new TerminalOptions();
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    public IReadOnlyList<string> Queues => [_terminals.TapQueue, _terminals.OfflineTapQueue, _terminals.HeartbeatQueue];

    private IEnumerable<(string Queue, string FailedQueue)> FailedQueues =>
        Queues.SelectMany(q => Suffixes.Select(s => (q, q + s)));

    public async Task<IReadOnlyList<FailedMessageDetail>> ListAsync(CancellationToken ct)
    {
        var all = new List<FailedMessageDetail>();
        foreach (var (queue, failed) in FailedQueues)
            all.AddRange(await PeekAsync(queue, failed, ct));
        return all;
    }

    public async Task<FailedMessageDetail?> FindAsync(string id, CancellationToken ct) =>
        (await ListAsync(ct)).FirstOrDefault(m => m.Id == id);

    /// <summary>Moves the message back to its queue. Null when no failed message has that id.</summary>
    public Task<FailedMessageDetail?> ReplayAsync(string id, CancellationToken ct) =>
        TakeAsync(id, async (channel, queue, failed, got) =>
        {
            var properties = new BasicProperties(got.BasicProperties)
            {
                Headers = (got.BasicProperties.Headers ?? new Dictionary<string, object?>())
                    .Where(h => !h.Key.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase) && h.Key != "MT-Reason")
                    .ToDictionary(h => h.Key, h => h.Value),
            };
            properties.Headers["CityPass-Replayed-At"] = clock.GetCurrentInstant().ToString();
            // Confirmed by the broker before the copy in the error queue is acknowledged.
            await channel.BasicPublishAsync("", queue, mandatory: true, properties, got.Body, ct);
            logger.LogInformation("Replayed failed message {MessageId} from {FailedQueue} to {Queue}", id, failed, queue);
        }, ct);

    /// <summary>
    /// Removes the message from its error queue for good, after <paramref name="record"/> kept it (the audit: who, when,
    /// and the message itself). Null when no failed message has that id.
    /// </summary>
    public Task<FailedMessageDetail?> DiscardAsync(string id, Func<FailedMessageDetail, Task> record, CancellationToken ct) =>
        TakeAsync(id, async (_, queue, failed, got) =>
        {
            await record(Describe(queue, failed, got));
            logger.LogWarning("Discarded failed message {MessageId} from {FailedQueue}", id, failed);
        }, ct);

    /// <summary>Finds the message by id, does <paramref name="act"/> with it, then acknowledges it (the others go back).</summary>
    private async Task<FailedMessageDetail?> TakeAsync(string id, Func<IChannel, string, string, BasicGetResult, Task> act, CancellationToken ct)
    {
        var connection = await ConnectionAsync(ct);
        foreach (var (queue, failed) in FailedQueues)
        {
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            var held = new List<ulong>();
            try
            {
                for (var i = 0; i < MaxPerQueue; i++)
                {
                    var got = await channel.BasicGetAsync(failed, autoAck: false, ct);
                    if (got is null)
                        break;
                    var message = Describe(queue, failed, got);
                    if (message.Id != id)
                    {
                        held.Add(got.DeliveryTag);
                        continue;
                    }
                    await act(channel, queue, failed, got);
                    await channel.BasicAckAsync(got.DeliveryTag, multiple: false, ct);
                    foreach (var tag in held)
                        await channel.BasicNackAsync(tag, multiple: false, requeue: true, ct);
                    held.Clear();
                    return message;
                }
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
            {
                held.Clear(); // the queue does not exist (nothing ever failed there); the channel is closed
                continue;
            }
            foreach (var tag in held)
                await channel.BasicNackAsync(tag, multiple: false, requeue: true, ct);
        }
        return null;
    }

    private async Task<IReadOnlyList<FailedMessageDetail>> PeekAsync(string queue, string failed, CancellationToken ct)
    {
        var connection = await ConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var found = new List<FailedMessageDetail>();
        ulong last = 0;
        try
        {
            for (var i = 0; i < MaxPerQueue; i++)
            {
                var got = await channel.BasicGetAsync(failed, autoAck: false, ct);
                if (got is null)
                    break;
                last = got.DeliveryTag;
                found.Add(Describe(queue, failed, got));
            }
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return []; // no such queue: nothing ever failed there
        }
        if (last > 0)
            await channel.BasicNackAsync(last, multiple: true, requeue: true, ct);
        return found;
    }

    private static FailedMessageDetail Describe(string queue, string failed, BasicGetResult got)
    {
        var headers = (got.BasicProperties.Headers ?? new Dictionary<string, object?>())
            .ToDictionary(h => h.Key, h => Text(h.Value));
        var body = got.Body.ToArray();
        var id = got.BasicProperties.MessageId is { Length: > 0 } messageId
            ? messageId
            : "sha256-" + Convert.ToHexStringLower(SHA256.HashData(body))[..32];
        return new FailedMessageDetail(
            id, queue, failed,
            headers.GetValueOrDefault("MT-Fault-Message") ?? headers.GetValueOrDefault("MT-Reason"),
            headers.GetValueOrDefault("MT-Fault-ExceptionType"),
            headers.GetValueOrDefault("MT-Fault-Timestamp"),
            body.Length, got.BasicProperties.ContentType, headers, Encoding.UTF8.GetString(body));
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        AmqpTimestamp t => DateTimeOffset.FromUnixTimeSeconds(t.UnixTime).ToString("O"),
        IEnumerable<object> list => string.Join(", ", list.Select(Text)),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    private async Task<IConnection> ConnectionAsync(CancellationToken ct)
    {
        if (_connection is { IsOpen: true })
            return _connection;
        await _connecting.WaitAsync(ct);
        try
        {
            if (_connection is { IsOpen: true })
                return _connection;
            if (_connection is not null)
                await _connection.DisposeAsync();
            _connection = await configuration.ConnectToBrokerAsync("citypass-failed-messages", ct);
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
    }
}
