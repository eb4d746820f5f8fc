using CityPass.Domain.Schemes;

namespace CityPass.Host.Schemes;

/// <summary>Appends one administrator's change to the scheme stream, decided against the scheme as it stands.</summary>
public static class SchemeWriter
{
    /// <returns>The scheme after the change, or the refusal. A definition equal to the current one appends nothing.</returns>
    public static Task<(Scheme? Scheme, Refusal? Refusal)> ChangeAsync(
        IDocumentStore store, Func<Scheme, (object? Event, Refusal? Refusal)> decide, CancellationToken ct) =>
        store.WriteAsync<Scheme, (Scheme?, Refusal?)>(Scheme.StreamId, current =>
        {
            var scheme = current ?? Scheme.Empty;
            var (change, refusal) = decide(scheme);
            if (refusal is not null)
                return new([], (null, refusal));
            if (change is null || IsNoChange(scheme, change))
                return new([], (scheme, null));
            return new([change], (scheme.Evolve(change), null));
        }, ct);

    private static bool IsNoChange(Scheme scheme, object change) => change switch
    {
        OperatorDefined e => Equals(scheme.Operators.GetValueOrDefault(e.Operator.Id), e.Operator),
        TerminalAttached e => Equals(scheme.Terminals.GetValueOrDefault(e.Terminal.Id), e.Terminal),
        ConcessionProfileDefined e => Equals(scheme.Profiles.GetValueOrDefault(e.Profile.Id), e.Profile),
        SchemeSettingsChanged e => scheme.TimeZoneId == e.TimeZoneId && scheme.ServiceDayCutoff == e.ServiceDayCutoff
                                   && scheme.StandardDailyCapCents == e.StandardDailyCapCents,
        _ => false, // venues, products and tariffs hold lists: every definition is recorded
    };

    public static async Task<Scheme> ReadAsync(IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<Scheme>(Scheme.StreamId, ct) ?? Scheme.Empty;
}
