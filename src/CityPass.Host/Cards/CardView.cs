namespace CityPass.Host.Cards;

/// <summary>A card as the API shows it: balance, state, the rights it holds, its concessions, debt and reloads in flight.</summary>
/// <param name="DebtCents">Value taken back (refund, lost dispute, offline overdraft) that had already been spent; the card stays blocked until it is settled.</param>
/// <param name="ReservedCents">Online reloads in flight, counted toward the stored-value ceiling.</param>
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
    long SpentOnCapDayCents,
    long DebtCents,
    long ReservedCents)
{
    /// <summary>The number printed on the card, as its holder knows it (the cardholder's own views only).</summary>
    public string? PrintedNumber { get; init; }

    /// <summary>The name its holder gave the card ("Léa's card"), if any (the cardholder's own views only).</summary>
    public string? Name { get; init; }

    public static CardView From(Card card) =>
        new(card.Id, card.Uid, card.Balance.Cents, card.Status, card.BlockReason, card.IssuedAt, card.LastChangedAt,
            card.Rights, card.Concessions, card.CapDay, card.SpentOnCapDay.Cents, card.Debt.Cents, card.Reserved.Cents);
}
