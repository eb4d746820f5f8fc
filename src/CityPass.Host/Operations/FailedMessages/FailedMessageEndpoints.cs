using System.Security.Claims;
using CityPass.Host.Accounts;

namespace CityPass.Host.Operations.FailedMessages;

/// <summary>The audit of a discard: the message as it was, who discarded it and when (a document, never changed).</summary>
public sealed record DiscardedMessage(Guid Id, FailedMessageDetail Message, string DiscardedBy, Instant DiscardedAt);

/// <summary>Administrator endpoints over the error queues of the CityPass queues: list, inspect, replay, discard (audited).</summary>
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
        group.MapPost("/{id}/discard", Discard).WithName("DiscardFailedMessage")
            .WithSummary("Administrator: removes a failed message for good; the message, who discarded it and when are kept (GET /admin/failed-messages/discarded).");
        group.MapGet("/discarded", Discarded).WithName("DiscardedFailedMessages")
            .WithSummary("Administrator: the failed messages discarded, newest first, with who discarded them and the message itself.");
    }

    private static async Task<Results<Ok<DiscardedMessage>, ProblemHttpResult>> Discard(
        string id, ClaimsPrincipal user, FailedMessageStore store, IDocumentStore documents, IClock clock, CancellationToken ct)
    {
        DiscardedMessage? kept = null;
        var found = await store.DiscardAsync(id, async message =>
        {
            kept = new DiscardedMessage(Guid.CreateVersion7(), message, user.Identity?.Name ?? "unknown", clock.GetCurrentInstant());
            await using var session = documents.LightweightSession();
            session.Insert(kept);
            await session.SaveChangesAsync(ct);
        }, ct);
        return found is null
            ? Problems.NotFound("No such failed message", $"No message with id '{id}' waits in the error queues of {string.Join(", ", store.Queues)}.")
            : TypedResults.Ok(kept!);
    }

    private static async Task<Ok<IReadOnlyList<DiscardedMessage>>> Discarded(IQuerySession session, CancellationToken ct) =>
        TypedResults.Ok(await session.Query<DiscardedMessage>().OrderByDescending(d => d.DiscardedAt).Take(200).ToListAsync(ct));

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
