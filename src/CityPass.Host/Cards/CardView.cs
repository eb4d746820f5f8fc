using CityPass.Domain.Cards;
using NodaTime;

namespace CityPass.Host.Cards;

/// <summary>A card as the API shows it.</summary>
/// <param name="DebtCents">Refunded or disputed value that had already been spent; the card stays blocked until a reload settles it.</param>
/// <param name="ReservedCents">Online reloads in flight, counted toward the stored-value ceiling.</param>
public sealed record CardView(
    Guid Id, string Uid, long BalanceCents, CardStatus Status, string? BlockReason, Instant IssuedAt, Instant LastChangedAt,
    long DebtCents = 0, long ReservedCents = 0)
{
    public static CardView From(Card card) =>
        new(card.Id, card.Uid, card.Balance.Cents, card.Status, card.BlockReason, card.IssuedAt, card.LastChangedAt, card.Debt.Cents, card.Reserved.Cents);
}
