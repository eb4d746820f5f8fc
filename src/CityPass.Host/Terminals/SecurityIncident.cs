namespace CityPass.Host.Terminals;

/// <summary>Something a person should look at: a forged or replayed terminal message, a cloned card, an offline tap to review.</summary>
public sealed record SecurityIncident(Guid Id, string Kind, string? TerminalId, string? CardUid, long? Sequence, string Detail, Instant At)
{
    /// <summary>What a tap's screening found, with the tap it was found on.</summary>
    public static SecurityIncident Of(ScreeningIncident found, string terminalId, string cardUid, long sequence, Instant at) =>
        new(Guid.CreateVersion7(), found.Kind, terminalId, cardUid, sequence, found.Detail, at);
}

public sealed class IncidentLog(IDocumentStore store, ILogger<IncidentLog> logger)
{
    /// <summary>Recorded in its own transaction: a refused message writes nothing else.</summary>
    public async Task ReportAsync(SecurityIncident incident, CancellationToken ct)
    {
        logger.LogWarning("Security incident {Kind} terminal {TerminalId} card {CardUid} #{Sequence}: {Detail}",
            incident.Kind, incident.TerminalId, incident.CardUid, incident.Sequence, incident.Detail);
        await using var session = store.LightweightSession();
        session.Insert(incident);
        await session.SaveChangesAsync(ct);
    }
}
