using System.Globalization;
using System.Text.RegularExpressions;

namespace CityPass.IntegrationTests.Operations;

/// <summary>Reading the host's Prometheus text exposition.</summary>
public static partial class Prometheus
{
    public static async Task<string> ScrapeAsync(HttpClient http)
    {
        var response = await http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the sample with exactly these labels (among others, such as otel_scope_name), null when absent.</summary>
    public static double? Value(string metrics, string name, params (string Key, string Value)[] labels)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(name + "{", StringComparison.Ordinal))
                continue;
            var close = line.LastIndexOf('}');
            var set = line[(name.Length + 1)..close];
            if (labels.All(l => set.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
                return double.Parse(line[(close + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return null;
    }

    /// <summary>Every metric name that has a sample in the scrape (histograms as their _bucket, _sum and _count series).</summary>
    public static ISet<string> Names(string metrics) =>
        metrics.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => SampleName().Match(l).Value).Where(n => n.Length > 0).ToHashSet();

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SampleName();
}
