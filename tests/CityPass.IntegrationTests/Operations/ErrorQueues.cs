using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityPass.Host.Terminals;
using RabbitMQ.Client;

namespace CityPass.IntegrationTests.Operations;

/// <summary>Messages that failed for a reason since fixed (a database that went away), as MassTransit leaves them in an error queue.</summary>
public static class ErrorQueues
{
    public static async Task PutInErrorQueue(this CityPassHost host, string errorQueue, JsonObject envelope, string messageId)
    {
        await using var rabbit = await host.Broker.ConnectAsync();
        await using var channel = await rabbit.CreateChannelAsync();
        await channel.QueueDeclareAsync(errorQueue, durable: true, exclusive: false, autoDelete: false);
        var properties = new BasicProperties
        {
            ContentType = "application/vnd.masstransit+json",
            DeliveryMode = DeliveryModes.Persistent,
            MessageId = messageId,
            Headers = new Dictionary<string, object?>
            {
                ["MT-Reason"] = "fault",
                ["MT-Fault-ExceptionType"] = "Npgsql.NpgsqlException",
                ["MT-Fault-Message"] = "Exception while reading from stream",
            },
        };
        await channel.BasicPublishAsync("", errorQueue, mandatory: false, properties, Encoding.UTF8.GetBytes(envelope.ToJsonString()));
    }

    /// <summary>A signed heartbeat of <paramref name="terminal"/> in the heartbeat queue's error queue; returns its message id.</summary>
    public static async Task<string> FailedHeartbeat(this CityPassHost host, string terminal, string venue)
    {
        var denyList = (await host.CreateClient().GetFromJsonAsync<TerminalHealthReport>("/terminals/health", Api.Json))!.DenyListVersion;
        var beat = await host.Terminals.Heartbeat(terminal, venue, denyList);
        var messageId = Guid.NewGuid().ToString();
        await host.PutInErrorQueue(host.HeartbeatQueue + "_error", new JsonObject
        {
            ["messageId"] = messageId,
            ["destinationAddress"] = $"rabbitmq://127.0.0.1/{host.HeartbeatQueue}",
            ["messageType"] = new JsonArray("urn:message:CityPass.Contracts.Terminals:TerminalHeartbeat"),
            ["message"] = JsonSerializer.SerializeToNode(beat, Api.Json),
        }, messageId);
        return messageId;
    }
}
