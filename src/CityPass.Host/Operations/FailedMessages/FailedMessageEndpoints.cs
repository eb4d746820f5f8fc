using CityPass.Host.Accounts;

namespace CityPass.Host.Operations.FailedMessages;

/// <summary>Administrator endpoints over the error queues of the CityPass queues: list, inspect, replay.</summary>
public static class FailedMessageEndpoints
{
    public static IServiceCollection AddCityPassFailedMessages(this IServiceCollection services) =>
        services.AddSingleton<FailedMessageStore>();

    public static void MapFailedMessages(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/failed-messages")
            .RequireAuthorization(AccountsSetup.AdministratorPolicy)
            .WithTags("Operations");
        group.MapGet("", List).WithName("ListFailedMessages")
            .WithSummary("Administrator: messages in the _error and _skipped queues of the CityPass queues (peeked: they stay there).");
        group.MapGet("/{id}", Inspect).WithName("InspectFailedMessage")
            .WithSummary("Administrator: one failed message, with its body, its headers (MT-Fault-*) and its original queue.");
        group.MapPost("/{id}/replay", Replay).WithName("ReplayFailedMessage")
            .WithSummary("Administrator: moves a failed message back to its queue; the consumers' idempotency makes its effect happen once.");
    }

    private static async Task<Ok<IReadOnlyList<FailedMessageSummary>>> List(FailedMessageStore store, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<FailedMessageSummary>>((await store.ListAsync(ct))
            .Select(m => new FailedMessageSummary(m.Id, m.Queue, m.FailedQueue, m.Reason, m.ExceptionType, m.FailedAt, m.SizeBytes))
            .ToList());

    private static async Task<Results<Ok<FailedMessageDetail>, ProblemHttpResult>> Inspect(string id, FailedMessageStore store, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } message
            ? TypedResults.Ok(message)
            : Problems.NotFound("No such failed message", $"No message with id '{id}' waits in the error queues of {string.Join(", ", store.Queues)}.");

    private static async Task<Results<Accepted<FailedMessageSummary>, ProblemHttpResult>> Replay(string id, FailedMessageStore store, CancellationToken ct) =>
        await store.ReplayAsync(id, ct) is { } m
            ? TypedResults.Accepted($"/admin/failed-messages/{id}", new FailedMessageSummary(m.Id, m.Queue, m.FailedQueue, m.Reason, m.ExceptionType, m.FailedAt, m.SizeBytes))
            : Problems.NotFound("No such failed message", $"No message with id '{id}' waits in the error queues of {string.Join(", ", store.Queues)}.");
}
