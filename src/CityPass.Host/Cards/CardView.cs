using CityPass.Domain.Cards;
using NodaTime;

namespace CityPass.Host.Cards;

/// <summary>A card as the API shows it.</summary>
public sealed record CardView(Guid Id, string Uid, long BalanceCents, CardStatus Status, string? BlockReason, Instant IssuedAt, Instant LastChangedAt)
{
    public static CardView From(Card card) =>
        new(card.Id, card.Uid, card.Balance.Cents, card.Status, card.BlockReason, card.IssuedAt, card.LastChangedAt);
}
