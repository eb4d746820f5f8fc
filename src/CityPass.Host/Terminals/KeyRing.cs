using CityPass.Domain.Security;

namespace CityPass.Host.Terminals;

/// <summary>Section <c>Keys</c>: the master keys cards' and terminals' keys are diversified from (base64, 32 bytes).</summary>
public sealed class KeyOptions
{
    public string CardMaster { get; set; } = "";
    public string TerminalMaster { get; set; } = "";
}

/// <summary>The key-management component: master keys from configuration, per-card and per-terminal diversification.</summary>
public sealed class KeyRing : IDeviceKeys
{
    private readonly KeyDiversifier _cards;
    private readonly KeyDiversifier _terminals;

    public KeyRing(KeyOptions options)
    {
        _cards = KeyDiversifier.ForCards(Master(options.CardMaster, "Keys:CardMaster"));
        _terminals = KeyDiversifier.ForTerminals(Master(options.TerminalMaster, "Keys:TerminalMaster"));
    }

    public byte[] CardKey(string canonicalUid) => _cards.KeyFor(canonicalUid);

    public byte[] TerminalKey(string terminalId, int keyVersion) => _terminals.KeyFor(KeyDiversifier.TerminalKeyId(terminalId, keyVersion));

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
