namespace CityPass.Host.Operations.Projections;

/// <summary>
/// <c>dotnet CityPass.Host.dll rebuild-projections [name ...]</c>: replays every event through the named projections
/// (all of them without names) and exits, the host's HTTP and message endpoints never started. For a read model lost or
/// damaged (a restore of the events only, a bug fixed in a projection): events are the truth, documents follow from them.
/// Run it with the hosts stopped: taps written during a rebuild would race it.
/// </summary>
public static class ProjectionRebuild
{
    public const string Command = "rebuild-projections";

    public static IReadOnlyList<string> Names(IDocumentStore store) =>
        store.Options.Events.Projections().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyCollection<string> requested, CancellationToken ct)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProjectionRebuild));
        var known = Names(store);
        var unknown = requested.Except(known, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"Unknown projection(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", known)}.");
            return 2;
        }
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        using var daemon = await store.BuildProjectionDaemonAsync();
        foreach (var name in requested.Count == 0 ? known : requested)
        {
            logger.LogInformation("Rebuilding projection {Projection}", name);
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(30), ct);
            Console.WriteLine($"rebuilt {name}");
        }
        return 0;
    }
}
