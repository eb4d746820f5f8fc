using NodaTime;

namespace CityPass.Domain.Cards;

// Card events that online reloads (Payments) add to the card stream.

/// <summary>
/// An online reload was started for this card: its amount counts toward the stored-value ceiling until it is credited
/// or released, so that reloads in flight can never overshoot the ceiling together.
/// </summary>
public sealed record ReloadReserved(Guid CardId, Guid ReloadId, Money Amount, Instant ReservedAt);

/// <summary>The reload is credited, failed, canceled or set aside for finance: its amount no longer counts as in flight.</summary>
public sealed record ReloadReservationReleased(Guid CardId, Guid ReloadId, string Reason, Instant ReleasedAt);

/// <summary>Value taken back from the balance because the payment that loaded it was refunded or lost in a dispute.</summary>
/// <param name="Reference">The payment it comes from (Stripe PaymentIntent id).</param>
public sealed record ValueReclaimed(Guid CardId, Money Amount, string Reason, string Reference, Money BalanceAfter, Instant ReclaimedAt);

/// <summary>
/// The part of a reclaimed amount the balance no longer held: it was spent, so the cardholder owes it.
/// The card is blocked until the debt is settled.
/// </summary>
public sealed record CardDebtRecorded(Guid CardId, Money Amount, string Reason, string Reference, Money DebtAfter, Instant RecordedAt);

/// <summary>Value loaded onto an indebted card paid its debt first.</summary>
public sealed record DebtSettled(Guid CardId, Money Amount, string Reference, Money DebtAfter, Money BalanceAfter, Instant SettledAt);

/// <summary>Everything the card held was moved to its replacement (a lost or stolen card, already blocked).</summary>
public sealed record ValueTransferredOut(Guid CardId, Guid ReplacementId, Guid ToCardId, CityPass.Domain.Cardholders.CardHoldings Holdings, Instant TransferredAt);

/// <summary>What a lost card held arrived on this card, its replacement.</summary>
public sealed record ValueTransferredIn(Guid CardId, Guid ReplacementId, Guid FromCardId, CityPass.Domain.Cardholders.CardHoldings Holdings, Money BalanceAfter, Instant TransferredAt);

/// <summary>
/// The balance was paid back to the holder when their account was closed: the scheme's stored-value liability turns
/// into an amount payable to the holder (finance posts it; <paramref name="Method"/> says how it is paid).
/// </summary>
/// <param name="Method">"bank-transfer": paid by finance to the account the holder gave.</param>
/// <param name="Reference">The closure (and payout) it belongs to.</param>
public sealed record BalanceRefunded(Guid CardId, Money Amount, string Method, string Reference, Money BalanceAfter, Instant RefundedAt);
