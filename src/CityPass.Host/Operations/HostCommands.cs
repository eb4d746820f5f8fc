using CityPass.Host.Operations.FailedMessages;
using CityPass.Host.Operations.Projections;

namespace CityPass.Host.Operations;

/// <summary>
/// Maintenance commands of the host's executable (<c>dotnet CityPass.Host.dll COMMAND ...</c>): they run with the host's
/// configuration and services, and exit; the HTTP API, the consumers and the background services never start.
/// </summary>
public static class HostCommands
{
    /// <summary>The command's exit code, or null when the arguments name no command (the host then runs).</summary>
    public static Task<int>? Run(IServiceProvider services, string[] args) => args.FirstOrDefault() switch
    {
        ProjectionRebuild.Command => ProjectionRebuild.RunAsync(services, args[1..], CancellationToken.None),
        FailedMessageCommand.Command => FailedMessageCommand.RunAsync(services, args[1..], CancellationToken.None),
        _ => null,
    };
}
