using System.Globalization;
using CityPass.Contracts.Terminals;
using CityPass.Domain.DenyLists;
using CityPass.Domain.Schemes;
using CityPass.Domain.Security;
using MassTransit;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Terminals;

/// <summary>What a terminal last said about itself, and when CityPass heard it.</summary>
public sealed record TerminalStatus(string Id, string SoftwareVersion, long DenyListVersion, int PendingOfflineTaps, Instant TerminalTime, Instant LastSeen);

/// <summary>Records signed heartbeats; a heartbeat that does not verify is reported and dropped.</summary>
public sealed class TerminalHeartbeatConsumer(IDocumentStore store, Schemes.SchemeCache schemes, IClock clock, TapVerifier verifier, IncidentLog incidents)
    : IConsumer<TerminalHeartbeat>
{
    public async Task Consume(ConsumeContext<TerminalHeartbeat> context)
    {
        var beat = context.Message;
        var now = clock.GetCurrentInstant();
        await using var session = store.LightweightSession();
        var scheme = await schemes.CurrentAsync(session, context.CancellationToken);
        var line = TerminalSignature.ForHeartbeat(beat.TerminalId, beat.SoftwareVersion, beat.DenyListVersion, beat.PendingOfflineTaps, beat.TerminalTime);
        if (verifier.TerminalProblem(scheme, beat.TerminalId ?? "", line, beat.Mac) is { } problem)
        {
            await incidents.ReportAsync(new SecurityIncident(Guid.CreateVersion7(), "heartbeat-not-authenticated", beat.TerminalId, null, null, problem, now),
                context.CancellationToken);
            return;
        }
        session.Store(new TerminalStatus(beat.TerminalId!, beat.SoftwareVersion, beat.DenyListVersion, beat.PendingOfflineTaps, beat.TerminalTime, now));
        await session.SaveChangesAsync(context.CancellationToken);
    }
}

/// <summary>The heartbeat queue (<c>Terminals:HeartbeatQueue</c>).</summary>
public sealed class TerminalHeartbeatConsumerDefinition : ConsumerDefinition<TerminalHeartbeatConsumer>
{
    /// <summary>A heartbeat is about 500 bytes; above 4 KiB it is refused unread.</summary>
    public const int MaxBytes = 4 * 1024;

    /// <summary>One way: an unreadable heartbeat is recorded and kept in the error (or skipped) queue, never answered.</summary>
    public static readonly TerminalRequestShape Shape = new("heartbeat", typeof(TerminalHeartbeat), MaxBytes, null);

    public TerminalHeartbeatConsumerDefinition(IOptions<TerminalOptions> terminals) => EndpointName = terminals.Value.HeartbeatQueue;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TerminalHeartbeatConsumer> consumer, IRegistrationContext context)
    {
        endpoint.AnswerUnreadableRequests(context, Shape);
        endpoint.PrefetchCount = 16;
    }
}

/// <param name="Problems">"silent", "never-seen", "deny-list-behind", "software-out-of-date", "offline-taps-pending".</param>
public sealed record TerminalHealthRow(string TerminalId, string VenueId, Instant? LastSeen, string? SoftwareVersion, long? DenyListVersion,
    int? PendingOfflineTaps, IReadOnlyList<string> Problems);

/// <param name="Healthy">With <c>?all=true</c>: the enrolled terminals that need nothing (heard from lately, up to date); otherwise null.</param>
public sealed record TerminalHealthReport(Instant At, long DenyListVersion, int Enrolled, IReadOnlyList<TerminalHealthRow> NeedAttention,
    IReadOnlyList<TerminalHealthRow>? Healthy = null);

public static class TerminalHealthEndpoints
{
    public static void MapTerminalHealth(this IEndpointRouteBuilder app) =>
        app.MapGet("/terminals/health", async (bool? all, IQuerySession session, IClock clock, IOptions<TerminalOptions> options, CancellationToken ct) =>
            {
                var now = clock.GetCurrentInstant();
                var scheme = await session.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty;
                var denyList = (await session.Events.FetchStreamStateAsync(DenyList.StreamId, ct))?.Version ?? 0;
                var enrolled = scheme.Terminals.Values.Where(t => t.CanSign).ToList();
                var statuses = (await session.LoadManyAsync<TerminalStatus>(ct, enrolled.Select(t => t.Id).ToArray())).ToDictionary(s => s.Id);
                var silentAfter = Duration.FromSeconds(options.Value.SilentAfterSeconds);
                var minimum = Version.TryParse(options.Value.MinimumSoftwareVersion, out var parsed) ? parsed : null; // empty: no minimum

                var rows = enrolled.OrderBy(t => t.Id, StringComparer.Ordinal).Select(t =>
                {
                    var status = statuses.GetValueOrDefault(t.Id);
                    var problems = new List<string>();
                    if (status is null)
                        problems.Add("never-seen");
                    else
                    {
                        if (status.LastSeen < now - silentAfter) problems.Add("silent");
                        if (status.DenyListVersion < denyList) problems.Add("deny-list-behind");
                        if (minimum is not null && (!Version.TryParse(status.SoftwareVersion, out var v) || v < minimum)) problems.Add("software-out-of-date");
                        if (status.PendingOfflineTaps > 0) problems.Add("offline-taps-pending");
                    }
                    return new TerminalHealthRow(t.Id, t.VenueId, status?.LastSeen, status?.SoftwareVersion, status?.DenyListVersion, status?.PendingOfflineTaps, problems);
                }).ToList();
                return TypedResults.Ok(new TerminalHealthReport(now, denyList, enrolled.Count, rows.Where(r => r.Problems.Count > 0).ToList(),
                    all == true ? rows.Where(r => r.Problems.Count == 0).ToList() : null));
            })
            .WithTags("Terminals")
            .WithSummary("Enrolled terminals that need attention: never seen, silent, behind on the deny list, out-of-date software, offline taps pending; ?all=true also lists the healthy ones.");
}
