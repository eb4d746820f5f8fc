using System.Collections.Concurrent;
using CityPass.Domain.Security;
using NodaTime.Text;

namespace CityPass.Host.Terminals;

/// <summary>
/// Section <c>Keys</c>: the master keys cards' and terminals' keys are diversified from (base64, at least 32 bytes). During a
/// rotation (docs/security.md, "Master key rotation") the replaced masters stay as <c>PreviousCardMaster</c> and
/// <c>PreviousTerminalMaster</c>, and cryptograms and signatures made with their keys are accepted until
/// <c>PreviousAcceptedUntil</c> (an ISO-8601 instant), refused after.
/// </summary>
public sealed class KeyOptions
{
    public string CardMaster { get; set; } = "";
    public string TerminalMaster { get; set; } = "";
    public string? PreviousCardMaster { get; set; }
    public string? PreviousTerminalMaster { get; set; }
    public string? PreviousAcceptedUntil { get; set; }
}

/// <summary>The key-management component: master keys from configuration, per-card and per-terminal diversification.</summary>
public sealed class KeyRing : IDeviceKeys
{
    private readonly KeyDiversifier _cards;
    private readonly KeyDiversifier _terminals;
    private readonly KeyDiversifier? _previousCards;
    private readonly KeyDiversifier? _previousTerminals;
    private readonly Instant _previousAcceptedUntil;
    private readonly IClock _clock;

    public KeyRing(KeyOptions options, IClock clock)
    {
        _clock = clock;
        _cards = KeyDiversifier.ForCards(Master(options.CardMaster, "Keys:CardMaster"));
        _terminals = KeyDiversifier.ForTerminals(Master(options.TerminalMaster, "Keys:TerminalMaster"));
        if (string.IsNullOrWhiteSpace(options.PreviousCardMaster) && string.IsNullOrWhiteSpace(options.PreviousTerminalMaster))
            return;
        var until = InstantPattern.ExtendedIso.Parse(options.PreviousAcceptedUntil ?? "");
        _previousAcceptedUntil = until.Success
            ? until.Value
            : throw new InvalidOperationException("Keys:PreviousAcceptedUntil must be an ISO-8601 instant (e.g. 2027-03-01T00:00:00Z) when a previous master key is configured.");
        if (!string.IsNullOrWhiteSpace(options.PreviousCardMaster))
            _previousCards = KeyDiversifier.ForCards(Master(options.PreviousCardMaster, "Keys:PreviousCardMaster"));
        if (!string.IsNullOrWhiteSpace(options.PreviousTerminalMaster))
            _previousTerminals = KeyDiversifier.ForTerminals(Master(options.PreviousTerminalMaster, "Keys:PreviousTerminalMaster"));
    }

    public byte[] CardKey(string canonicalUid) => _cards.KeyFor(canonicalUid);

    public byte[] TerminalKey(string terminalId, int keyVersion) => Cached(_terminalKeys, _terminals, KeyDiversifier.TerminalKeyId(terminalId, keyVersion));

    public IEnumerable<byte[]> AcceptedCardKeys(string canonicalUid)
    {
        yield return CardKey(canonicalUid);
        if (_previousCards is not null && PreviousStillAccepted)
            yield return _previousCards.KeyFor(canonicalUid);
    }

    public IEnumerable<byte[]> AcceptedTerminalKeys(string terminalId, int keyVersion)
    {
        yield return TerminalKey(terminalId, keyVersion);
        if (_previousTerminals is not null && PreviousStillAccepted)
            yield return Cached(_previousTerminalKeys, _previousTerminals, KeyDiversifier.TerminalKeyId(terminalId, keyVersion));
    }

    /// <summary>
    /// Every card key a card may have been personalised with, whatever the acceptance period: the number printed on a card
    /// at personalisation never changes, so it is checked against the previous master too for as long as it is configured.
    /// </summary>
    public IEnumerable<byte[]> PrintedNumberKeys(string canonicalUid)
    {
        yield return CardKey(canonicalUid);
        if (_previousCards is not null)
            yield return _previousCards.KeyFor(canonicalUid);
    }

    /// <summary>
    /// Terminals' keys, derived once per terminal and key version: every tap of an upload or a batch checks its terminal's
    /// signature, and deriving the key again for each (an HMAC) was a measurable part of offline ingestion
    /// (docs/performance.md). A city has thousands of terminals, not millions; the cache starts again past that. Cards'
    /// keys are not kept: there are as many as cards.
    /// </summary>
    private readonly ConcurrentDictionary<string, byte[]> _terminalKeys = new(), _previousTerminalKeys = new();

    private const int MaxCachedTerminalKeys = 20_000;

    private static byte[] Cached(ConcurrentDictionary<string, byte[]> cache, KeyDiversifier diversifier, string id)
    {
        if (cache.TryGetValue(id, out var key))
            return key;
        if (cache.Count >= MaxCachedTerminalKeys)
            cache.Clear();
        return cache.GetOrAdd(id, diversifier.KeyFor);
    }

    private bool PreviousStillAccepted => _clock.GetCurrentInstant() < _previousAcceptedUntil;

    private static byte[] Master(string base64, string name)
    {
        try
        {
            var key = Convert.FromBase64String(base64);
            return key.Length >= 32 ? key : throw new InvalidOperationException($"{name} must be at least 32 bytes (base64).");
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{name} is not base64.");
        }
    }
}
