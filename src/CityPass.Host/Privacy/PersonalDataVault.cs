using System.Security.Cryptography;
using System.Text;

namespace CityPass.Host.Privacy;

/// <summary>
/// A data subject's own key (a person's account, or a card whose concession evidence was recorded). Personal data is
/// sealed with it; deleting it on erasure makes every copy of that data unreadable — in documents, in events that cannot
/// be changed, and in backups (crypto-shredding).
/// </summary>
public sealed record SubjectKey(string Id, byte[] Key, Instant CreatedAt);

/// <summary>What a person told us about themselves, sealed with their key. Kept apart from the card ledger.</summary>
public sealed record PersonalRecord(string Id, string Sealed, Instant UpdatedAt);

/// <summary>Name, address and phone of a cardholder (the e-mail is the account's login).</summary>
public sealed record PersonalDetails(string? Name, string? Address, string? Phone);

public static class Subjects
{
    public static string Account(string accountId) => $"account:{accountId}";

    public static string Card(Guid cardId) => $"card:{cardId:N}";
}

/// <summary>AES-256-GCM with a key per data subject, held in its own table (<see cref="SubjectKey"/>).</summary>
public sealed class PersonalDataVault(IDocumentStore store, IClock clock)
{
    public const string Prefix = "sealed:v1:";
    public const string Erased = "(erased)";

    public async Task<string> SealAsync(string subject, string plaintext, CancellationToken ct)
    {
        var key = await KeyAsync(subject, create: true, ct);
        return Seal(key!, plaintext);
    }

    /// <summary>The plaintext, or <see cref="Erased"/> once the subject's key is gone; text that was never sealed as is.</summary>
    public async Task<string> UnsealAsync(string subject, string value, CancellationToken ct)
    {
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
            return value;
        var key = await KeyAsync(subject, create: false, ct);
        return key is null ? Erased : Unseal(key, value);
    }

    /// <summary>Deletes the subjects' keys: what was sealed with them can never be read again.</summary>
    public static void Shred(IDocumentSession session, IEnumerable<string> subjects)
    {
        foreach (var subject in subjects)
            session.Delete<SubjectKey>(subject);
    }

    private async Task<byte[]?> KeyAsync(string subject, bool create, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<SubjectKey>(subject, ct) is { } existing)
            return existing.Key;
        if (!create)
            return null;
        session.Insert(new SubjectKey(subject, RandomNumberGenerator.GetBytes(32), clock.GetCurrentInstant()));
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (Infrastructure.ConflictRetry.IsConflict(e))
        {
            // Created by a twin at the same moment: use theirs.
        }
        await using var again = store.QuerySession();
        return (await again.LoadAsync<SubjectKey>(subject, ct))!.Key;
    }

    private static string Seal(byte[] key, string plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[12 + 16 + data.Length];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, data, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    private static string Unseal(byte[] key, string value)
    {
        var sealedBytes = Convert.FromBase64String(value[Prefix.Length..]);
        var data = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), data);
        return Encoding.UTF8.GetString(data);
    }
}
