using System.Diagnostics;
using System.Text.Json;
using CityPass.Benchmarks;

// ./bench.sh [--quick] [--only taps,history,offline,webhook,denylist] [--offline-cards N] | --city [--quick] [sizes]: measures CityPass against this machine's own limits and writes artifacts/bench/latest.json.
var quick = args.Contains("--quick");
// The host's content root, which WebApplicationFactory finds by itself only from a test project.
Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_CITYPASS_HOST", Path.Combine(CityPass.IntegrationTests.Processes.Root, "src", "CityPass.Host"));
if (args.Contains("--city"))
    return await CityRun.RunAsync(args, quick);
if (args.Contains("--stripe-report"))
    return await StripeReportBench.RunAsync(args);
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
if (only?.Except(Bench.Sections).FirstOrDefault() is { } unknown)
{
    Console.Error.WriteLine($"--only: unknown section '{unknown}'; the sections are {string.Join(", ", Bench.Sections)}.");
    return 2;
}
// --offline-cards N: the offline section's 20,000 taps spread over N cards (default 500, two taps a card stream in each
// 100-card transaction; 20,000 gives each tap a stream of its own, as a city's day does: docs/performance.md).
var offlineCards = args.SkipWhile(a => a != "--offline-cards").Skip(1).FirstOrDefault() is { } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 500;
var output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? (only is null ? "artifacts/bench/latest.json" : "artifacts/bench/partial.json");
var clock = Stopwatch.StartNew();
await using var bench = await Bench.StartAsync(quick, only, offlineCards);
var results = await bench.RunAsync();
results["cores"] = Environment.ProcessorCount;
results["quick"] = quick;
results["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine();
Console.WriteLine($"{"figure",-34} {"value",12}");
foreach (var (key, value) in results)
    Console.WriteLine($"{key,-34} {value,12}");
Console.WriteLine($"written to {output}");
return results["correct"] is true ? 0 : 1;
