using System.Security.Claims;

namespace CityPass.Host.Cardholders;

/// <summary>Which account a card belongs to. Its id is the card's id, so a card belongs to one account at most.</summary>
public sealed record CardOwnership(Guid Id, string AccountId, Instant LinkedAt)
{
    /// <summary>The name the holder gave the card in the portal.</summary>
    public string? Name { get; init; }
}

public static class Ownership
{
    /// <summary>The signed-in cardholder's account id (the Identity user id).</summary>
    public static string AccountId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("An authenticated cardholder has a user id.");

    /// <summary>The card, when it belongs to the account; another's card and an unknown card look the same (null).</summary>
    public static async Task<Card?> OwnedCardAsync(this IQuerySession session, string accountId, Guid cardId, CancellationToken ct)
    {
        var ownership = await session.LoadAsync<CardOwnership>(cardId, ct);
        if (ownership?.AccountId != accountId)
            return null;
        return await session.LoadAsync<Card>(cardId, ct);
    }
}
