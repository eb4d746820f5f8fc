using CityPass.Host.Operations.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;
using Weasel.Postgresql;

namespace CityPass.Host.Operations.Monitoring;

/// <summary>
/// The lag of each async projection (the finance ledger): the last committed event's sequence number minus the last
/// one the projection processed, read every <see cref="MonitoringOptions.PollSeconds"/>. Committed, not the sequence's
/// current value: appends that lost a concurrency race burn sequence numbers that no projection will ever see.
/// </summary>
public sealed class ProjectionLagPoller(IDocumentStore store, IOptions<MonitoringOptions> options, ILogger<ProjectionLagPoller> logger)
    : GaugePoller(options, logger)
{
    /// <summary>The daemon's own row in the progress table, not a projection.</summary>
    private const string HighWaterMark = "HighWaterMark";

    protected override (string What, string From) Describe => ("projection lag", "PostgreSQL");

    protected override async Task PollAsync(CancellationToken ct) => CityPassTelemetry.ReportProjectionLags(this, await ReadAsync(ct));

    protected override void ReportNothing() => CityPassTelemetry.ReportProjectionLags(this, []);

    public async Task<IReadOnlyList<ProjectionLag>> ReadAsync(CancellationToken ct)
    {
        long committed;
        await using (var connection = ((PostgresqlDatabase)store.Storage.Database).CreateConnection())
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"select coalesce(max(seq_id), 0)::bigint from {store.Options.Events.DatabaseSchemaName}.mt_events", connection);
            committed = (long)(await command.ExecuteScalarAsync(ct))!;
        }
        var progress = await store.Advanced.AllProjectionProgress(token: ct);
        return progress
            .Where(p => p.ShardName != HighWaterMark)
            .Select(p => new ProjectionLag(store.Options.DatabaseSchemaName, ProjectionName(p.ShardName), Math.Max(0, committed - p.Sequence)))
            .ToList();
    }

    /// <summary>"CityPass.Host.Finance.Postings.LedgerProjection:All" is "LedgerProjection" (one shard: it reads every event).</summary>
    private static string ProjectionName(string shard)
    {
        var name = shard.EndsWith(":All", StringComparison.Ordinal) ? shard[..^4] : shard;
        return name[(name.LastIndexOf('.') + 1)..];
    }
}
