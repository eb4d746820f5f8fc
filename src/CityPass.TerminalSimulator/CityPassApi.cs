using System.Net.Http.Json;
using System.Text.Json;

namespace CityPass.TerminalSimulator;

/// <summary>The two administrator calls a terminal installer and a card bureau make before any tap.</summary>
public sealed class CityPassApi(Uri baseAddress)
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress };

    /// <summary>Attaches a terminal to its venue and enrols it (re-enrolling rotates its key); returns its key.</summary>
    public async Task<byte[]> EnrolAsync(string terminalId, string? venueId = null)
    {
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
        var response = await _http.PostAsJsonAsync("/cards/personalisation", new { uid });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new CardChip(Convert.FromBase64String(body.GetProperty("key").GetString()!), body.GetProperty("uid").GetString()!,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
    }
}
