using System.Net.Http.Json;
using System.Text.Json;

namespace CityPass.TerminalSimulator;

/// <summary>
/// The calls a terminal installer and a card bureau make before any tap: the installer signed in as an administrator
/// (./run.sh's demo administrator unless CITYPASS_ADMIN_EMAIL / CITYPASS_ADMIN_PASSWORD say otherwise), the bureau as the
/// personalisation machine (CITYPASS_PERSONALISATION_EMAIL / CITYPASS_PERSONALISATION_PASSWORD, ./run.sh's demo one).
/// </summary>
public sealed class CityPassApi(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress };
    private readonly HttpClient _bureau = new() { BaseAddress = baseAddress };
    private bool _signedIn;
    private bool _bureauSignedIn;

    public void Dispose() => _http.Dispose();

    private async Task SignInAsync()
    {
        if (_signedIn)
            return;
        await SignInAsync(_http, Environment.GetEnvironmentVariable("CITYPASS_ADMIN_EMAIL") ?? "admin@citypass.demo",
            Environment.GetEnvironmentVariable("CITYPASS_ADMIN_PASSWORD") ?? "Demo-Admin-2026");
        _signedIn = true;
    }

    private static async Task SignInAsync(HttpClient http, string email, string password)
    {
        var login = await http.PostAsJsonAsync("/account/login", new { email, password });
        await Expect(login, $"signing in as {email}");
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The scheme as administrators see it (the demo lists its terminals from it).</summary>
    public async Task<JsonElement> SchemeAsync()
    {
        await SignInAsync();
        var response = await _http.GetAsync("/scheme");
        await Expect(response, "reading the scheme");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// Terminals heard from lately (a heartbeat within Terminals:SilentAfterSeconds): running somewhere, so never to be
    /// re-keyed by someone else.
    /// </summary>
    public async Task<IReadOnlySet<string>> RunningTerminalsAsync()
    {
        await SignInAsync();
        var response = await _http.GetAsync("/terminals/health?all=true");
        await Expect(response, "reading the terminals' health");
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        return report.GetProperty("needAttention").EnumerateArray().Concat(report.GetProperty("healthy").EnumerateArray())
            .Where(t => !t.GetProperty("problems").EnumerateArray().Any(p => p.GetString() is "silent" or "never-seen"))
            .Select(t => t.GetProperty("terminalId").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Attaches a terminal to its venue (when given) and enrols it: a new key, which locks out whoever held the previous one.</summary>
    public async Task<TerminalEnrolment> EnrolAsync(string terminalId, string? venueId = null)
    {
        await SignInAsync();
        if (venueId is not null)
            await Expect(await _http.PutAsJsonAsync($"/scheme/terminals/{terminalId}", new { venueId }), $"attaching terminal {terminalId} to venue {venueId}");
        var response = await _http.PostAsync($"/terminals/{terminalId}/enrol", null);
        await Expect(response, $"enrolling terminal {terminalId}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var broker = body.TryGetProperty("broker", out var b) && b.ValueKind == JsonValueKind.Object ? b : (JsonElement?)null;
        return new TerminalEnrolment(terminalId, body.GetProperty("keyVersion").GetInt32(), Convert.FromBase64String(body.GetProperty("key").GetString()!),
            body.GetProperty("denyListPublicKey").GetString()!, broker?.GetProperty("username").GetString(), broker?.GetProperty("password").GetString());
    }

    /// <summary>A failed call as one plain line (the problem's title and detail), not a stack trace.</summary>
    public static async Task Expect(HttpResponseMessage response, string doing)
    {
        if (response.IsSuccessStatusCode)
            return;
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            var problem = JsonSerializer.Deserialize<JsonElement>(text);
            text = $"{problem.GetProperty("title").GetString()}: {(problem.TryGetProperty("detail", out var d) ? d.GetString() : "")}";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            // not a problem document: show it as it came
        }
        throw new CityPassCallException($"{doing}: {(int)response.StatusCode} {response.ReasonPhrase}. {text}".Trim());
    }

    /// <summary>The card's diversified key, as a personalisation machine receives it; the counter starts from the clock so reruns never reuse one.</summary>
    public async Task<CardChip> PersonaliseAsync(string uid)
    {
        if (!_bureauSignedIn)
        {
            await SignInAsync(_bureau, Environment.GetEnvironmentVariable("CITYPASS_PERSONALISATION_EMAIL") ?? "personalisation@citypass.demo",
                Environment.GetEnvironmentVariable("CITYPASS_PERSONALISATION_PASSWORD") ?? "Demo-Personalisation-2026");
            _bureauSignedIn = true;
        }
        var response = await _bureau.PostAsJsonAsync("/cards/personalisation", new { uid });
        await Expect(response, $"personalising card {uid}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new CardChip(Convert.FromBase64String(body.GetProperty("key").GetString()!), body.GetProperty("uid").GetString()!,
            TerminalClock.Now.ToUnixTimeMilliseconds() * 1000);
    }
}

/// <summary>What enrolment hands a terminal: its key, the deny-list public key and its own broker login (when CityPass gives one).</summary>
public sealed record TerminalEnrolment(string TerminalId, int KeyVersion, byte[] Key, string DenyListPublicKey, string? BrokerUser, string? BrokerPassword)
{
    /// <summary>The broker URI with this terminal's own login in place of the one given (which stays when CityPass gives none).</summary>
    public Uri Broker(Uri broker) => BrokerUser is null || BrokerPassword is null
        ? broker
        : new UriBuilder(broker) { UserName = Uri.EscapeDataString(BrokerUser), Password = Uri.EscapeDataString(BrokerPassword) }.Uri;
}

/// <summary>A call to CityPass's API failed; the message says which and why, in one line.</summary>
public sealed class CityPassCallException(string message) : Exception(message);
