using CityPass.Domain;
using CityPass.Domain.Cards;
using NodaTime;

namespace CityPass.Host.Cards;

/// <summary>A card as the API shows it: balance, state, the rights it holds and its concessions.</summary>
public sealed record CardView(
    Guid Id,
    string Uid,
    long BalanceCents,
    CardStatus Status,
    string? BlockReason,
    Instant IssuedAt,
    Instant LastChangedAt,
    IReadOnlyList<Right> Rights,
    IReadOnlyList<ConcessionGrant> Concessions,
    LocalDate? CapDay,
    long SpentOnCapDayCents)
{
    public static CardView From(Card card) =>
        new(card.Id, card.Uid, card.Balance.Cents, card.Status, card.BlockReason, card.IssuedAt, card.LastChangedAt,
            card.Rights, card.Concessions, card.CapDay, card.SpentOnCapDay.Cents);
}
