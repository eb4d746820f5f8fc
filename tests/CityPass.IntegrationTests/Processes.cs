using System.Diagnostics;

namespace CityPass.IntegrationTests;

/// <summary>The repository's scripts and the host's maintenance commands, run as an operator runs them.</summary>
public static class Processes
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CityPass.sln")))
                directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("The repository's root (CityPass.sln) was not found.");
        }
    }

    /// <summary><c>dotnet CityPass.Host.dll COMMAND ...</c> with this host's schema and queues.</summary>
    public static Task<(int ExitCode, string Output)> HostCommand(this CityPassHost host, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.Combine(Root, "src", "CityPass.Host") };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CityPass.Host.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["ConnectionStrings__Marten"] = CityPassHost.PostgresConnection;
        start.Environment["ConnectionStrings__RabbitMq"] = CityPassHost.RabbitMqUri;
        start.Environment["Marten__Schema"] = host.Schema;
        start.Environment["Terminals__TapQueue"] = host.TapQueue;
        start.Environment["Terminals__OfflineTapQueue"] = host.OfflineTapQueue;
        start.Environment["Terminals__HeartbeatQueue"] = host.HeartbeatQueue;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return Run(start);
    }

    public static async Task<(int ExitCode, string Output)> Run(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
