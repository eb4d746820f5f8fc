using CityPass.TerminalSimulator;

// citypass-terminal <card-uid> [--terminal ID] [--venue ID] [--sequence N] [--broker amqp://…] [--exchange NAME] [--envelope]
// Sends one tap the way a validator terminal would and prints CityPass's answer. A retry of a tap keeps its --sequence.
var positional = args.Where((a, i) => !a.StartsWith("--") && (i == 0 || !args[i - 1].StartsWith("--") || args[i - 1] == "--envelope")).ToArray();
string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, $"--{name}");
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

if (positional.Length < 1)
{
    Console.Error.WriteLine("usage: citypass-terminal <card-uid> [--terminal pool-gate-1] [--venue piscine-brequigny] " +
                            "[--sequence N] [--broker amqp://guest:guest@127.0.0.1:5672/] [--exchange citypass-taps] [--envelope]");
    return 2;
}

var terminalId = Option("terminal", "pool-gate-1");
var sequence = long.Parse(Option("sequence", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString()));
await using var terminal = await RawTerminal.ConnectAsync(new Uri(Option("broker", "amqp://guest:guest@127.0.0.1:5672/")), terminalId);
try
{
    var reply = await terminal.TapAsync(Option("exchange", "citypass-taps"), terminalId, sequence, positional[0],
        Option("venue", "piscine-brequigny"), DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5));
    Console.WriteLine(RawTerminal.IsAuthorized(reply) ? "AUTHORIZED" : "DECLINED");
    Console.WriteLine(args.Contains("--envelope") ? reply.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) : RawTerminal.Describe(reply));
    return RawTerminal.IsAuthorized(reply) ? 0 : 1;
}
catch (TimeoutException)
{
    Console.Error.WriteLine($"No answer within 5 s: retry with --sequence {sequence} (the same tap is never charged twice).");
    return 3;
}
