using System.Net.Http.Json;
using System.Text.Json;
using CityPass.TerminalSimulator;

// citypass-terminal <card-uid> [--terminal ID] [--venue ID] [--api http://127.0.0.1:5080] [--broker amqp://…] [--envelope]
// Enrols the terminal and personalises the card through the API (as an installer and a card bureau would), then sends
// one signed tap the way a validator terminal does and prints CityPass's answer. `citypass-terminal demo` runs a city.
if (args.Length > 0 && args[0] == "demo")
    return await DemoCity.RunAsync(args[1..]);

var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal) || args[i - 1] == "--envelope")).ToArray();
string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, $"--{name}");
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

if (positional.Length < 1)
{
    Console.Error.WriteLine("usage: citypass-terminal <card-uid> [--terminal pool-handheld-1] [--venue piscine-brequigny] [--api http://127.0.0.1:5080] " +
                            "[--broker amqp://guest:guest@127.0.0.1:5672/] [--exchange citypass-taps] [--envelope]\n       citypass-terminal demo [--terminals 8] [--seconds 60]");
    return 2;
}

// A handheld of its own by default: enrolling rotates a terminal's key, which would lock out a running demo terminal.
var terminalId = Option("terminal", "pool-handheld-1");
var venueId = Option("venue", "piscine-brequigny");
using var api = new CityPassApi(new Uri(Option("api", "http://127.0.0.1:5080")));
var terminalKey = await api.EnrolAsync(terminalId, venueId);
var card = await api.PersonaliseAsync(positional[0]);
var sequence = TerminalClock.Now.ToUnixTimeMilliseconds();
await using var terminal = await RawTerminal.ConnectAsync(new Uri(Option("broker", "amqp://guest:guest@127.0.0.1:5672/")), terminalId);
try
{
    var reply = await terminal.TapAsync(Option("exchange", "citypass-taps"), terminalKey, terminalId, sequence, positional[0], card,
        venueId, TerminalClock.Now, TimeSpan.FromSeconds(5));
    Console.WriteLine(RawTerminal.IsAuthorized(reply) ? "AUTHORIZED" : "DECLINED");
    Console.WriteLine(args.Contains("--envelope") ? reply.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : RawTerminal.Describe(reply));
    return RawTerminal.IsAuthorized(reply) ? 0 : 1;
}
catch (TimeoutException)
{
    Console.Error.WriteLine($"No answer within 5 s: retry with the same sequence {sequence} (the same tap is never charged twice).");
    return 3;
}
