using System.Diagnostics;

namespace CityPass.IntegrationTests;

/// <summary>What a process printed, and how it ended.</summary>
public sealed record ProcessResult(int ExitCode, string Output, string Errors)
{
    public string All => Output + Errors;
}

/// <summary>The repository's scripts, the servers' tools and the host's maintenance commands, run as an operator runs them.</summary>
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

    /// <summary><c>dotnet CityPass.Host.dll COMMAND ...</c> with this host's servers, schema and queues.</summary>
    public static async Task<(int ExitCode, string Output)> HostCommand(this CityPassHost host, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.Combine(Root, "src", "CityPass.Host") };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CityPass.Host.dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // The test servers' passwords are the repository's: only Development and Testing accept them (docs/security.md).
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__Marten"] = host.Postgres;
        start.Environment["ConnectionStrings__RabbitMq"] = host.Broker.Uri;
        start.Environment["Keys__CardMaster"] = CityPassHost.CardMasterKey;
        start.Environment["Keys__TerminalMaster"] = CityPassHost.TerminalMasterKey;
        start.Environment["Keys__DenyListSigning"] = CityPassHost.DenyListSigningKey;
        if (host.Broker.OtherNodes.Count > 0)
            start.Environment["RabbitMq__ClusterNodes"] = string.Join(",", host.Broker.OtherNodes);
        if (host.Broker.QuorumQueues)
            start.Environment["RabbitMq__QuorumQueues"] = "true";
        start.Environment["Marten__Schema"] = host.Schema;
        start.Environment["Terminals__TapQueue"] = host.TapQueue;
        start.Environment["Terminals__OfflineTapQueue"] = host.OfflineTapQueue;
        start.Environment["Terminals__HeartbeatQueue"] = host.HeartbeatQueue;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var result = await Run(start);
        return (result.ExitCode, result.All);
    }

    /// <summary>
    /// Runs a process to its end. One that runs past <paramref name="timeout"/> (default 2 min) is killed with its
    /// children and a <see cref="TimeoutException"/> says which and what it had printed on its error output.
    /// </summary>
    public static async Task<ProcessResult> Run(ProcessStartInfo start, TimeSpan? timeout = null)
    {
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Describe(start)} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(2);
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(start)} did not finish in {limit.TotalSeconds} s: {await errors}");
        }
        return new ProcessResult(process.ExitCode, await output, await errors);
    }

    public static string Describe(ProcessStartInfo start) => $"`{start.FileName} {string.Join(' ', start.ArgumentList)}`";
}
