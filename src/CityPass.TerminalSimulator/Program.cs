using System.Text.Json;
using CityPass.TerminalSimulator;

const string usage = """
    citypass-terminal: a CityPass validator terminal, as a vendor would write one (docs/terminal-protocol.md).

    citypass-terminal <card-uid> [options]
      Personalises the card and sends one signed tap the way a validator does; prints CityPass's (verified) answer.
      Exit code 0 authorized, 1 declined, 3 no answer, 2 usage or setup error.
      --terminal ID        the terminal (default pool-handheld-1); enrolled on first use, its key kept in --keys
      --venue ID           its venue (default piscine-brequigny)
      --api URL            CityPass's HTTP API (default http://127.0.0.1:5080)
      --broker URI         RabbitMQ (default amqp://guest:guest@127.0.0.1:5672/); the terminal's own login replaces this one's
      --exchange NAME      where taps go (default citypass-taps)
      --keys FILE          keys of terminals enrolled by this tool (default .citypass-terminal-keys.json)
      --envelope           print the whole answer envelope

    Signing in: the installer's account (CITYPASS_ADMIN_EMAIL / CITYPASS_ADMIN_PASSWORD) and the card bureau's
    (CITYPASS_PERSONALISATION_EMAIL / CITYPASS_PERSONALISATION_PASSWORD); ./run.sh's demo accounts by default.

    """ + DemoCity.Usage;

if (args.Length == 0 || args.Contains("--help") || args.Contains("-h") || args[0] == "help")
{
    (args.Length == 0 ? Console.Error : Console.Out).WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    return args[0] == "demo" ? await DemoCity.RunAsync(args[1..]) : await TapOnceAsync(args);
}
catch (Exception e) when (Plain(e) is { } message)
{
    Console.Error.WriteLine($"citypass-terminal: {message}");
    return 2;
}

static string? Plain(Exception e) => e switch
{
    CityPassCallException => e.Message,
    HttpRequestException => $"CityPass's API does not answer ({e.Message}). Is it running (./run.sh)? --api says where.",
    RabbitMQ.Client.Exceptions.BrokerUnreachableException { InnerException: RabbitMQ.Client.Exceptions.AuthenticationFailureException } =>
        "RabbitMQ refused the login: a terminal decommissioned or enrolled again elsewhere has lost its broker login (enrol it again).",
    RabbitMQ.Client.Exceptions.BrokerUnreachableException => $"RabbitMQ does not answer ({e.InnerException?.Message ?? e.Message}). --broker says where.",
    RabbitMQ.Client.Exceptions.OperationInterruptedException => $"RabbitMQ refused an operation: {e.Message}",
    FormatException or UriFormatException or JsonException => $"Invalid option or file: {e.Message}",
    IOException => e.Message,
    _ => null,
};

static async Task<int> TapOnceAsync(string[] args)
{
    var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal) || args[i - 1] == "--envelope")).ToArray();
    string Option(string name, string fallback)
    {
        var at = Array.IndexOf(args, $"--{name}");
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }
    if (positional.Length < 1)
    {
        Console.Error.WriteLine("citypass-terminal: which card? citypass-terminal <card-uid> [options]; --help for all.");
        return 2;
    }

    // A handheld of its own by default, enrolled once: re-enrolling would lock out a demo running it.
    var terminalId = Option("terminal", "pool-handheld-1");
    var venueId = Option("venue", "piscine-brequigny");
    var keys = new KeyFile(Option("keys", ".citypass-terminal-keys.json"));
    using var api = new CityPassApi(new Uri(Option("api", "http://127.0.0.1:5080")));
    var enrolment = keys.Get(terminalId) ?? keys.Put(await api.EnrolAsync(terminalId, venueId));
    var card = await api.PersonaliseAsync(positional[0]);
    var sequence = TerminalClock.Now.ToUnixTimeMilliseconds();
    RawTerminal terminal;
    try
    {
        terminal = await RawTerminal.ConnectAsync(enrolment.Broker(new Uri(Option("broker", "amqp://guest:guest@127.0.0.1:5672/"))), terminalId);
    }
    catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException) when (enrolment.BrokerUser is not null)
    {
        // Its login was revoked (decommissioned, or enrolled again by someone else): enrol again, once.
        enrolment = keys.Put(await api.EnrolAsync(terminalId, venueId));
        terminal = await RawTerminal.ConnectAsync(enrolment.Broker(new Uri(Option("broker", "amqp://guest:guest@127.0.0.1:5672/"))), terminalId);
    }
    await using (terminal)
    {
        try
        {
            var reply = await terminal.TapAsync(Option("exchange", "citypass-taps"), enrolment.Key, terminalId, sequence, positional[0], card,
                venueId, TerminalClock.Now, TimeSpan.FromSeconds(5));
            Console.WriteLine(RawTerminal.IsAuthorized(reply) ? "AUTHORIZED" : "DECLINED");
            Console.WriteLine(args.Contains("--envelope") ? reply.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : RawTerminal.Describe(reply));
            return RawTerminal.IsAuthorized(reply) ? 0 : 1;
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine(terminal.RefusedAnswers > 0
                ? $"No answer signed with this terminal's key within 5 s ({terminal.RefusedAnswers} refused): is its key current? Retry with the same sequence {sequence}."
                : $"No answer within 5 s: retry with the same sequence {sequence} (the same tap is never charged twice).");
            return 3;
        }
    }
}
