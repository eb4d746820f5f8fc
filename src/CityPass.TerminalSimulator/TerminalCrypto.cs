using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CityPass.TerminalSimulator;

/// <summary>
/// The cryptography of docs/terminal-protocol.md (protocol 2), written from the document alone (a vendor's view), so that
/// the tests show the document is enough: CityPass verifies what this produces, and this verifies what CityPass signs.
/// </summary>
public static class TerminalCrypto
{
    /// <summary>The canonical form: each field as its UTF-8 byte length in decimal, ':', then its bytes.</summary>
    public static byte[] Canonical(params string?[] fields)
    {
        var bytes = new List<byte>();
        foreach (var field in fields)
        {
            var value = Encoding.UTF8.GetBytes(field ?? "");
            bytes.AddRange(Encoding.ASCII.GetBytes(value.Length.ToString(CultureInfo.InvariantCulture) + ":"));
            bytes.AddRange(value);
        }
        return bytes.ToArray();
    }

    private static string Hmac(byte[] key, byte[] canonical) => Convert.ToHexString(HMACSHA256.HashData(key, canonical));

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>HMAC-SHA256 with the terminal's key over the tap's canonical form, upper-case hex.</summary>
    public static string SignTap(byte[] terminalKey, string terminalId, long sequence, string cardUid, string venueId,
        DateTimeOffset terminalTime, long cardCounter, string cryptogram) =>
        Hmac(terminalKey, Canonical("AuthorizeTap", terminalId, N(sequence), cardUid, venueId, N(terminalTime.ToUnixTimeMilliseconds()), N(cardCounter), cryptogram));

    public static string SignHeartbeat(byte[] terminalKey, string terminalId, string softwareVersion, long denyListVersion, int pending, DateTimeOffset at) =>
        Hmac(terminalKey, Canonical("TerminalHeartbeat", terminalId, softwareVersion, N(denyListVersion), N(pending), N(at.ToUnixTimeMilliseconds())));

    /// <summary>The signature of an HTTP call: method, path and query, terminal, time (Unix ms) and the body's SHA-256.</summary>
    public static string SignHttp(byte[] terminalKey, string method, string pathAndQuery, string terminalId, long unixMilliseconds, byte[] body) =>
        Hmac(terminalKey, Canonical("HttpRequest", method.ToUpperInvariant(), pathAndQuery, terminalId, N(unixMilliseconds),
            Convert.ToHexStringLower(SHA256.HashData(body))));

    /// <summary>
    /// Whether an answer envelope (TapAuthorized, TapDeclined or OfflineTapsAccepted) carries CityPass's signature with this
    /// terminal's key, for this request. Anything else is not an answer to act on.
    /// </summary>
    public static bool VerifyAnswer(byte[] terminalKey, JsonObject envelope, string requestId)
    {
        var type = envelope["messageType"]?.AsArray().Select(t => t?.GetValue<string>()).FirstOrDefault(t => t?.StartsWith(ContractPrefix, StringComparison.Ordinal) == true)?[ContractPrefix.Length..];
        if (envelope["message"] is not JsonObject m || envelope["headers"]?["CityPass-Signature"]?.GetValue<string>() is not { Length: 64 } signature)
            return false;
        byte[]? canonical = type switch
        {
            "TapAuthorized" => Canonical("TapAuthorized", requestId, Text(m["terminalId"]), Text(m["sequence"]), Text(m["cardUid"]), Text(m["rightUsed"]),
                Text(m["productId"]), Text(m["chargedCents"]), Text(m["balanceCents"]), Text(m["entriesLeft"]), Text(m["validUntil"]), Millis(m["decidedAt"])),
            "TapDeclined" => Canonical("TapDeclined", requestId, Text(m["terminalId"]), Text(m["sequence"]), Text(m["cardUid"]), Text(m["reason"]),
                Text(m["balanceCents"]), Millis(m["decidedAt"])),
            "OfflineTapsAccepted" => OfflineCanonical(m, requestId),
            _ => null,
        };
        return canonical is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Hmac(terminalKey, canonical)), Encoding.ASCII.GetBytes(signature.ToUpperInvariant()));
    }

    private const string ContractPrefix = "urn:message:CityPass.Contracts.Terminals:";

    private static byte[] OfflineCanonical(JsonObject m, string requestId)
    {
        var fields = new List<string?> { "OfflineTapsAccepted", requestId, Text(m["terminalId"]), Text(m["batchId"]), Text(m["recorded"]),
            Text(m["duplicates"]), Text(m["rejected"]) };
        var flagged = m["flagged"]?.AsArray() ?? [];
        fields.Add(N(flagged.Count));
        foreach (var flag in flagged)
            fields.AddRange([Text(flag?["sequence"]), Text(flag?["reason"])]);
        var gaps = m["gaps"]?.AsArray() ?? [];
        fields.Add(N(gaps.Count));
        foreach (var gap in gaps)
            fields.AddRange([Text(gap?["from"]), Text(gap?["to"])]);
        return Canonical([.. fields]);
    }

    /// <summary>
    /// Whether a deny-list push (the envelope's message) or a re-sync page (with the <paramref name="since"/> asked for) is
    /// signed with the scheme's deny-list key: ECDSA P-256, SHA-256, r‖s, base64; the key as SubjectPublicKeyInfo, base64.
    /// </summary>
    public static bool VerifyDenyList(string publicKey, JsonObject message, long? since = null)
    {
        if (message["signature"]?.GetValue<string>() is not { } signature)
            return false;
        var entries = (since is null ? message["changes"] : message["entries"])?.AsArray() ?? [];
        var fields = since is null
            ? new List<string?> { "DenyListChanged", Text(message["version"]) }
            : new List<string?> { "DenyListSync", N(since.Value), Text(message["version"]), Text(message["kind"]), Text(message["more"]) };
        fields.Add(N(entries.Count));
        foreach (var e in entries)
            fields.AddRange([Text(e?["cardUid"]), Text(e?["denied"]), Text(e?["reason"]), Text(e?["version"])]);
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKey), out _);
            return key.VerifyData(Canonical([.. fields]), Convert.FromBase64String(signature), HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>A field as the canonical form writes it: strings as they are, numbers and booleans as JSON writes them, null empty.</summary>
    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        JsonValue v when v.TryGetValue<bool>(out var flag) => flag ? "true" : "false",
        _ => node.ToJsonString(),
    };

    private static string Millis(JsonNode? instant) =>
        instant is null ? "" : N(DateTimeOffset.Parse(instant.GetValue<string>(), CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
}

/// <summary>Signs every HTTP call of a terminal (docs/terminal-protocol.md, "HTTP calls"): its id, the time and the signature in headers.</summary>
/// <param name="clock">The terminal's clock (default <see cref="TerminalClock"/>).</param>
public sealed class TerminalHttpSigner(string terminalId, byte[] terminalKey, HttpMessageHandler? inner = null, Func<DateTimeOffset>? clock = null)
    : DelegatingHandler(inner ?? new HttpClientHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(ct);
        var now = (clock?.Invoke() ?? TerminalClock.Now).ToUnixTimeMilliseconds();
        request.Headers.Add("CityPass-Terminal", terminalId);
        request.Headers.Add("CityPass-Time", now.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("CityPass-Signature", TerminalCrypto.SignHttp(terminalKey, request.Method.Method, request.RequestUri!.PathAndQuery, terminalId, now, body));
        return await base.SendAsync(request, ct);
    }
}

/// <summary>
/// What a card's chip does in a tap, for the simulator and tests: it holds its diversified key (received at
/// personalisation: POST /cards/personalisation) and a transaction counter, and answers the cryptogram.
/// </summary>
public sealed class CardChip(byte[] cardKey, string canonicalUid, long counter = 0)
{
    private readonly byte[] _key = cardKey;
    private long _counter = counter;

    public string Uid => canonicalUid;

    /// <summary>Increments the counter and returns it with the cryptogram for this tap.</summary>
    public (long Counter, string Cryptogram) Authenticate(string terminalId, long sequence)
    {
        var counter = Interlocked.Increment(ref _counter);
        var message = string.Join('|', canonicalUid, counter.ToString(CultureInfo.InvariantCulture), terminalId, sequence.ToString(CultureInfo.InvariantCulture));
        return (counter, Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(message)).AsSpan(0, 8)));
    }
}

/// <summary>The terminal's own clock (a device's clock, not CityPass's): replace <see cref="Provider"/> to test at another time.</summary>
public static class TerminalClock
{
    public static TimeProvider Provider { get; set; } = TimeProvider.System;

    public static DateTimeOffset Now => Provider.GetUtcNow();
}
