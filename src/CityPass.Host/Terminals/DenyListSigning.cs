using System.Security.Cryptography;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Security;

namespace CityPass.Host.Terminals;

/// <summary>
/// The scheme's deny-list key (ECDSA P-256): CityPass signs every deny-list push and every re-sync page with it;
/// terminals verify with its public key, given at enrolment, and cannot sign with it. Its private key is
/// <c>Keys:DenyListSigning</c> (PKCS#8, base64), required outside Development and Testing (Security/StartupSecrets.cs);
/// there, when it is missing, a key of the process's own is made up, which terminals enrolled before a restart no longer
/// verify.
/// </summary>
public sealed class DenyListSigner : IDisposable
{
    private readonly ECDsa _key;

    public DenyListSigner(string? pkcs8Base64)
    {
        _key = ECDsa.Create();
        if (string.IsNullOrWhiteSpace(pkcs8Base64))
            _key.GenerateKey(ECCurve.NamedCurves.nistP256);
        else
            try
            {
                _key.ImportPkcs8PrivateKey(Convert.FromBase64String(pkcs8Base64.Trim()), out _);
            }
            catch (Exception e) when (e is FormatException or CryptographicException)
            {
                throw new InvalidOperationException("Keys:DenyListSigning is not a base64 PKCS#8 ECDSA private key (docs/operations.md, \"Keys\").", e);
            }
        if (_key.KeySize != 256)
            throw new InvalidOperationException("Keys:DenyListSigning must be a P-256 key.");
        PublicKey = Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The public key terminals verify with: SubjectPublicKeyInfo (DER), base64.</summary>
    public string PublicKey { get; }

    public void Dispose() => _key.Dispose();

    /// <summary>ECDSA P-256 with SHA-256 over the canonical form: r and s, 32 bytes each (IEEE P1363), base64.</summary>
    public string Sign(byte[] canonical) => Convert.ToBase64String(_key.SignData(canonical, HashAlgorithmName.SHA256));

    public DenyListChanged WithSignature(DenyListChanged change) => change with { Signature = Sign(Canonical(change)) };

    public DenyListSync WithSignature(DenyListSync sync, long since) => sync with { Signature = Sign(Canonical(sync, since)) };

    /// <summary>"DenyListChanged", version, the number of changes, then each change's cardUid, denied, reason and version.</summary>
    public static byte[] Canonical(DenyListChanged change) =>
        Entries(Domain.Security.Canonical.Of(nameof(DenyListChanged)).Add(change.Version), change.Changes);

    /// <summary>"DenyListSync", the <c>since</c> asked for, version, kind, more, the number of entries, then each entry as in a push.</summary>
    public static byte[] Canonical(DenyListSync sync, long since) =>
        Entries(Domain.Security.Canonical.Of(nameof(DenyListSync)).Add(since).Add(sync.Version).Add(sync.Kind).Add(sync.More), sync.Entries);

    private static byte[] Entries(Canonical canonical, IReadOnlyList<DenyListEntry> entries)
    {
        canonical.Add(entries.Count);
        foreach (var e in entries)
            canonical.Add(e.CardUid).Add(e.Denied).Add(e.Reason).Add(e.Version);
        return canonical.ToArray();
    }
}
