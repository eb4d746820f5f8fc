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
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The scheme as administrators see it (the demo lists its terminals from it).</summary>
    public async Task<JsonElement> SchemeAsync()
    {
        await SignInAsync();
        return await _http.GetFromJsonAsync<JsonElement>("/scheme");
    }

    /// <summary>Attaches a terminal to its venue and enrols it (re-enrolling rotates its key); returns its key.</summary>
    public async Task<byte[]> EnrolAsync(string terminalId, string? venueId = null)
    {
        await SignInAsync();
        if (venueId is not null)
            (await _http.PutAsJsonAsync($"/scheme/terminals/{terminalId}", new { venueId })).EnsureSuccessStatusCode();
        var response = await _http.PostAsync($"/terminals/{terminalId}/enrol", null);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return Convert.FromBase64String(body.GetProperty("key").GetString()!);
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
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new CardChip(Convert.FromBase64String(body.GetProperty("key").GetString()!), body.GetProperty("uid").GetString()!,
            TerminalClock.Now.ToUnixTimeMilliseconds() * 1000);
    }
}
