using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Domain;
using CityPass.Domain.Security;
using CityPass.Host.Taps;
using CityPass.Host.Terminals;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests;

/// <summary>
/// Terminals and cards as the tests need them: a terminal is attached to a venue and enrolled (through the HTTP API) the
/// first time it is used, and every tap carries a fresh card counter, the card's cryptogram and the terminal's signature.
/// </summary>
public sealed class TestTerminals(CityPassHost host)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> _keys = new();
    private static long _cardCounter;

    /// <summary>The key of a terminal, attaching it to <paramref name="venueId"/> and enrolling it on first use.</summary>
    public Task<byte[]> KeyAsync(string terminalId, string venueId) =>
        _keys.GetOrAdd(terminalId, id => new Lazy<Task<byte[]>>(() => EnrolAsync(id, venueId))).Value;

    public async Task<AuthorizeTap> Tap(string terminalId, long sequence, string cardUid, string venueId, Instant terminalTime, long? counter = null)
    {
        // A tap without a venue is refused before any signature is checked: it needs no enrolled terminal.
        var key = string.IsNullOrWhiteSpace(venueId) ? new byte[32] : await KeyAsync(terminalId, venueId);
        var cardCounter = counter ?? Interlocked.Increment(ref _cardCounter);
        return Sign(key, new AuthorizeTap(terminalId, sequence, cardUid, venueId, terminalTime, cardCounter, Cryptogram(cardUid, cardCounter, terminalId, sequence), ""));
    }

    /// <summary>Signs a tap again after a test changed it (the card's cryptogram is recomputed too).</summary>
    public async Task<AuthorizeTap> Resign(AuthorizeTap tap, string? enrolAt = null) =>
        Sign(await KeyAsync(tap.TerminalId, enrolAt ?? tap.VenueId), tap with { Cryptogram = Cryptogram(tap.CardUid, tap.CardCounter, tap.TerminalId, tap.Sequence) });

    public static AuthorizeTap Sign(byte[] terminalKey, AuthorizeTap tap)
    {
        var signed = tap with { Mac = TerminalSignature.Compute(terminalKey, TapVerifier.TapLine(tap.TerminalId, tap.Sequence, tap.CardUid, tap.VenueId, tap.TerminalTime, tap.CardCounter, tap.Cryptogram)) };
        SignedWith[signed.Mac] = terminalKey;
        return signed;
    }

    /// <summary>The key each tap was signed with (by its MAC): its answer must be signed with the same one.</summary>
    private static readonly ConcurrentDictionary<string, byte[]> SignedWith = new();

    /// <summary>
    /// What a terminal does with an answer: act on it only if CityPass signed it, with the key the tap was signed with, for
    /// this request (docs/terminal-protocol.md, "Signed answers"). A terminal CityPass does not know, or whose key was
    /// rotated since, gets an answer it cannot verify: a NotAuthenticated decline, which it may only treat as no answer.
    /// </summary>
    public static void RefuseUnverified(AuthorizeTap tap, object answer, Guid? requestId, string? signature)
    {
        if (!SignedWith.TryGetValue(tap.Mac, out var key) || key.All(b => b == 0))
            return; // a stranger's tap: nothing to verify with
        if (signature is not null && TerminalSignature.Verify(key, AnswerCanonical.For(answer, AnswerCanonical.RequestId(requestId)), signature))
            return;
        if (answer is TapDeclined { Reason: TapDeclineReason.NotAuthenticated })
            return;
        throw new InvalidOperationException($"The answer to tap {tap.TerminalId}/{tap.Sequence} is not signed with the terminal's key: a terminal refuses it.");
    }

    /// <summary>What the card's chip computes (a UID that does not parse gets a meaningless cryptogram).</summary>
    public string Cryptogram(string cardUid, long counter, string terminalId, long sequence)
    {
        if (!CardUid.TryParse(cardUid, out var uid, out _))
            return new string('0', 16);
        var keys = host.Services.GetRequiredService<KeyRing>();
        return CardCryptogram.Compute(keys.CardKey(uid.Value.Value), uid.Value.Value, counter, terminalId, sequence);
    }

    public static long NextCounter() => Interlocked.Increment(ref _cardCounter);

    /// <summary>A heartbeat signed with the terminal's key (or <paramref name="key"/>), enrolling the terminal at <paramref name="venueId"/> on first use.</summary>
    public async Task<TerminalHeartbeat> Heartbeat(string terminalId, string venueId, long denyListVersion, byte[]? key = null)
    {
        key ??= await KeyAsync(terminalId, venueId);
        var at = host.Clock.GetCurrentInstant();
        return new TerminalHeartbeat(terminalId, "1.4.0", denyListVersion, 0, at,
            TerminalSignature.Compute(key, TerminalSignature.ForHeartbeat(terminalId, "1.4.0", denyListVersion, 0, at)));
    }

    /// <summary>Sends a signed heartbeat to the heartbeat queue, as the terminal does.</summary>
    public async Task Beat(string terminalId, string venueId, long denyListVersion, byte[]? key = null)
    {
        var endpoint = await host.Services.GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{host.HeartbeatQueue}"));
        await endpoint.Send(await Heartbeat(terminalId, venueId, denyListVersion, key));
    }

    /// <summary>
    /// A card's chip as the personalisation bureau wrote it before the card was issued (its diversified key, which
    /// <c>POST /cards/personalisation</c> no longer gives for an issued card), its counter past every used one.
    /// </summary>
    public Task<CityPass.TerminalSimulator.CardChip> ChipAsync(string uid)
    {
        var canonical = CardUid.TryParse(uid, out var parsed, out _) ? parsed.Value.Value : uid;
        var key = host.Services.GetRequiredService<KeyRing>().CardKey(canonical);
        return Task.FromResult(new CityPass.TerminalSimulator.CardChip(key, canonical, NextCounter() * 1000));
    }

    /// <summary>An HTTP client that signs its calls as terminal <paramref name="terminalId"/> (enrolled at <paramref name="venueId"/> on first use).</summary>
    public async Task<HttpClient> HttpAsync(string terminalId, string venueId)
    {
        var client = host.CreateDefaultClient(new CityPass.TerminalSimulator.TerminalHttpSigner(terminalId, await KeyAsync(terminalId, venueId),
            clock: () => host.Clock.GetCurrentInstant().ToDateTimeOffset()));
        client.DefaultRequestHeaders.Authorization = null; // the terminal's signature alone, not the administrator's token
        return client;
    }

    /// <summary>The scheme's deny-list public key, as enrolment hands it to terminals.</summary>
    public string DenyListPublicKey => host.Services.GetRequiredService<DenyListSigner>().PublicKey;

    private async Task<byte[]> EnrolAsync(string terminalId, string venueId)
    {
        var http = host.CreateClient();
        var attached = await http.PutAsJsonAsync($"/scheme/terminals/{terminalId}", new { venueId });
        if (!attached.IsSuccessStatusCode)
            return new byte[32]; // a venue not in the scheme: a stranger's terminal, whose signature will not verify
        var enrolled = await http.PostAsync($"/terminals/{terminalId}/enrol", null);
        if (!enrolled.IsSuccessStatusCode)
            return new byte[32]; // not in the scheme: its signature will not verify, as for any stranger
        return Convert.FromBase64String((await enrolled.Content.ReadFromJsonAsync<TerminalCredentials>(Api.Json))!.Key);
    }
}
