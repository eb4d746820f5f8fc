using CityPass.Contracts.Terminals;
using CityPass.Host.Terminals;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Taps.Offline;

/// <summary>Answers a terminal's <see cref="UploadOfflineTaps"/> over RabbitMQ with <see cref="OfflineTapsAccepted"/>.</summary>
public sealed class UploadOfflineTapsConsumer(OfflineTapIngestor ingestor, IClock clock, ILogger<UploadOfflineTapsConsumer> logger) : IConsumer<UploadOfflineTaps>
{
    public async Task Consume(ConsumeContext<UploadOfflineTaps> context)
    {
        var (accepted, problem) = await ingestor.IngestAsync(context.Message, context.CancellationToken);
        if (accepted is null)
        {
            // A malformed batch is answered, not retried: nothing was recorded, the terminal fixes it and uploads again.
            logger.LogWarning("Offline batch {BatchId} from {TerminalId} refused: {Problem}", context.Message.BatchId, TapReply.Echo(context.Message.TerminalId), problem);
            await context.RespondAsync(OfflineUploadReplies.Refused(context.Message.TerminalId, context.Message.BatchId, problem!, clock.GetCurrentInstant()));
            return;
        }
        await context.RespondAsync(accepted);
    }
}

/// <summary>The offline-tap queue (<c>Terminals:OfflineTapQueue</c>): batches of up to 1,000 taps, a few at a time, each in one transaction.</summary>
public sealed class UploadOfflineTapsConsumerDefinition : ConsumerDefinition<UploadOfflineTapsConsumer>
{
    /// <summary>1,000 taps are about 350 KB; an upload above 1 MiB is refused unread (as over HTTP).</summary>
    public const int MaxBytes = 1024 * 1024;

    public static readonly TerminalRequestShape Shape = new("offline upload", typeof(UploadOfflineTaps), MaxBytes,
        (raw, problem, at) => OfflineUploadReplies.Refused(raw.TerminalId, raw.BatchId, problem, at));

    public UploadOfflineTapsConsumerDefinition(IOptions<TerminalOptions> terminals) => EndpointName = terminals.Value.OfflineTapQueue;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<UploadOfflineTapsConsumer> consumer, IRegistrationContext context)
    {
        endpoint.AnswerUnreadableRequests(context, Shape);
        endpoint.PrefetchCount = 4;
        endpoint.UseMessageRetry(r =>
        {
            r.Ignore<System.Text.Json.JsonException>();
            r.Ignore<System.Runtime.Serialization.SerializationException>();
            r.Intervals(100, 500, 2000);
        });
    }
}

public static class OfflineTapEndpoints
{
    public static void MapOfflineTaps(this IEndpointRouteBuilder app)
    {
        var terminals = app.MapGroup("/terminals").WithTags("Terminals");
        terminals.MapPost("/{id}/offline-taps", async Task<Results<Ok<OfflineTapsAccepted>, ProblemHttpResult>> (
                string id, UploadOfflineTaps? upload, System.Security.Claims.ClaimsPrincipal user, OfflineTapIngestor ingestor, CancellationToken ct) =>
            {
                if (user.SigningTerminal() is { } signer && signer != id)
                    return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Another terminal",
                        detail: $"Terminal {signer} signed this request: it uploads its own taps only.");
                if (upload is null || upload.TerminalId != id)
                    return Problems.BadRequest("Invalid batch", "The body is an UploadOfflineTaps whose terminalId is the one in the path.");
                var (accepted, problem) = await ingestor.IngestAsync(upload, ct);
                return accepted is null ? Problems.BadRequest("Invalid batch", problem!) : TypedResults.Ok(accepted);
            })
            .RequireAuthorization(TerminalAuthentication.Policy)
            .WithSummary("The terminal itself (signed request) or an administrator: upload taps honoured offline (up to 1,000 a batch), each recorded exactly once, whatever the order or repeats.");
    }

    public static void MapSequenceGaps(this IEndpointRouteBuilder app) =>
        app.MapGet("/terminals/{id}/gaps", async (string id, OfflineTapIngestor ingestor, CancellationToken ct) =>
                TypedResults.Ok(await ingestor.GapsAsync(id, ct)))
            .WithTags("Terminals")
            .WithSummary("Sequence numbers of a terminal never received, online or offline.");
}
