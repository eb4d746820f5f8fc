using System.Text.Json;

namespace CityPass.Host.Operations.FailedMessages;

/// <summary>
/// <c>dotnet CityPass.Host.dll failed-messages list | show ID | replay ID</c>: the administrator endpoints from a shell on a
/// machine that reaches RabbitMQ, with the host's configuration, without a bearer token. Exit codes: 0 done, 1 no such
/// message, 2 bad usage.
/// </summary>
public static class FailedMessageCommand
{
    public const string Command = "failed-messages";

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var store = services.GetRequiredService<FailedMessageStore>();
        switch (arguments)
        {
            case ["list"]:
                var messages = await store.ListAsync(ct);
                foreach (var m in messages)
                    Console.WriteLine($"{m.Id}\t{m.Queue}\t{m.FailedQueue}\t{m.FailedAt}\t{m.Reason}");
                Console.WriteLine($"{messages.Count} failed message(s) in the error queues of {string.Join(", ", store.Queues)}");
                return 0;
            case ["show", var id]:
                if (await store.FindAsync(id, ct) is not { } message)
                    return NotFound(id);
                var options = new JsonSerializerOptions { WriteIndented = true };
                Json.Configure(options);
                Console.WriteLine(JsonSerializer.Serialize(message, options));
                return 0;
            case ["replay", var id]:
                if (await store.ReplayAsync(id, ct) is not { } replayed)
                    return NotFound(id);
                Console.WriteLine($"replayed {replayed.Id} to {replayed.Queue}");
                return 0;
            default:
                Console.Error.WriteLine($"usage: {Command} list | show ID | replay ID");
                return 2;
        }
    }

    private static int NotFound(string id)
    {
        Console.Error.WriteLine($"No failed message with id '{id}'.");
        return 1;
    }
}
