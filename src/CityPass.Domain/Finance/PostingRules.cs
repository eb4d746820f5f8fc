using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Finance;

/// <summary>
/// What each money-moving event posts. Pure: the event, its global sequence number and the scheme in, a balanced
/// <see cref="LedgerEntry"/> (or null for events that move no money and count no visit) out.
/// </summary>
public static class PostingRules
{
    public const string UnknownOperator = "unattributed";

    /// <summary>The event types <see cref="Post"/> handles; a projection feeding it subscribes to exactly these.</summary>
    public static readonly IReadOnlyList<Type> PostedEventTypes =
    [
        typeof(ValueLoaded), typeof(FareCharged), typeof(EntryRedeemed), typeof(ProductPurchased), typeof(ValueReclaimed),
        typeof(CardDebtRecorded), typeof(DebtSettled), typeof(FareOwed), typeof(BalanceRefunded),
        typeof(ValueTransferredOut), typeof(ValueTransferredIn), typeof(ProviderTransactionRecorded),
    ];

    public static LedgerEntry? Post(object @event, long sequence, Scheme scheme)
    {
        var time = scheme.Time;
        LedgerEntry Entry(LedgerKind kind, Instant at, LocalDate day, Guid? card, IReadOnlyList<PostingLine> lines,
            string? operatorId = null, string? venue = null, string? product = null, string? profile = null, int visits = 0,
            string? source = null, string? reference = null) =>
            new(sequence, kind.Code, at, day, LedgerEntry.DayNumberOf(day), card, operatorId, venue, product, profile, visits, source, reference, lines);

        switch (@event)
        {
            case ValueLoaded e:
            {
                var funding = e.Source.IsPaymentProvider ? LedgerAccounts.Clearing(e.Source.Code) : LedgerAccounts.SchemeFunded;
                return Entry(LedgerKind.Load, e.LoadedAt, time.ServiceDate(e.LoadedAt), e.CardId,
                    Pair(funding, LedgerAccounts.StoredValue, e.Amount.Cents), source: e.Source.Code, reference: e.IdempotencyKey);
            }
            case FareCharged e:
            {
                var operatorId = OperatorOf(scheme, e.VenueId);
                return Entry(LedgerKind.Fare, e.ChargedAt, e.ServiceDate, e.CardId,
                    Pair(LedgerAccounts.StoredValue, LedgerAccounts.OwedTo(operatorId), e.Amount.Cents),
                    operatorId, e.VenueId, scheme.PayAsYouGoAt(e.VenueId)?.Id ?? e.Price.TariffId, e.Price.ProfileId, visits: 1,
                    reference: $"{e.TerminalId}/{e.TerminalSequence}");
            }
            case EntryRedeemed e:
                return Entry(LedgerKind.Entry, e.RedeemedAt, e.ServiceDate, e.CardId, [], OperatorOf(scheme, e.VenueId), e.VenueId, e.ProductId,
                    visits: 1, reference: $"{e.TerminalId}/{e.TerminalSequence}");
            case ProductPurchased e:
            {
                var lines = new List<PostingLine>();
                if (e.Price.Charged.Cents != 0)
                {
                    lines.Add(new PostingLine(LedgerAccounts.StoredValue, e.Price.Charged.Cents));
                    foreach (var (operatorId, share) in Split(e.Price.Charged.Cents, OperatorsOf(scheme, e.Right.VenueIds)))
                        lines.Add(new PostingLine(LedgerAccounts.OwedTo(operatorId), -share));
                }
                var operators = OperatorsOf(scheme, e.Right.VenueIds);
                return Entry(LedgerKind.Purchase, e.PurchasedAt, time.ServiceDate(e.PurchasedAt), e.CardId, lines,
                    operators.Count == 1 ? operators[0] : null, null, e.Right.ProductId, e.Price.ProfileId, reference: e.IdempotencyKey);
            }
            case ValueReclaimed e:
                return Entry(LedgerKind.Reclaim, e.ReclaimedAt, time.ServiceDate(e.ReclaimedAt), e.CardId,
                    Pair(LedgerAccounts.StoredValue, LedgerAccounts.RefundsPayable, e.Amount.Cents), reference: e.Reference);
            case CardDebtRecorded e:
                return Entry(LedgerKind.Debt, e.RecordedAt, time.ServiceDate(e.RecordedAt), e.CardId,
                    Pair(LedgerAccounts.CardDebts, LedgerAccounts.RefundsPayable, e.Amount.Cents), reference: e.Reference);
            case BalanceRefunded e:
                // An account closed: the stored value becomes a bank transfer the scheme owes the holder.
                return Entry(LedgerKind.BalanceRefunded, e.RefundedAt, time.ServiceDate(e.RefundedAt), e.CardId,
                    Pair(LedgerAccounts.StoredValue, LedgerAccounts.RefundsPayable, e.Amount.Cents), source: e.Method, reference: e.Reference);
            // A lost card's value and debt move to its replacement in two steps: in transit between them, so that the
            // stored-value liability equals the sum of card balances at every moment, even mid-transfer.
            case ValueTransferredOut e:
                return Entry(LedgerKind.TransferOut, e.TransferredAt, time.ServiceDate(e.TransferredAt), e.CardId,
                    [.. Pair(LedgerAccounts.StoredValue, LedgerAccounts.StoredValueInTransit, e.Holdings.Balance.Cents),
                     .. Pair(LedgerAccounts.CardDebtsInTransit, LedgerAccounts.CardDebts, e.Holdings.Debt.Cents)], reference: e.ReplacementId.ToString());
            case ValueTransferredIn e:
                return Entry(LedgerKind.TransferIn, e.TransferredAt, time.ServiceDate(e.TransferredAt), e.CardId,
                    [.. Pair(LedgerAccounts.StoredValueInTransit, LedgerAccounts.StoredValue, e.Holdings.Balance.Cents),
                     .. Pair(LedgerAccounts.CardDebts, LedgerAccounts.CardDebtsInTransit, e.Holdings.Debt.Cents)], reference: e.ReplacementId.ToString());
            case FareOwed e:
            {
                // An offline fare the balance did not cover: the operator is owed it all, the cardholder owes this part.
                var operatorId = OperatorOf(scheme, e.VenueId);
                return Entry(LedgerKind.FareOwed, e.RecordedAt, e.ServiceDate, e.CardId,
                    Pair(LedgerAccounts.CardDebts, LedgerAccounts.OwedTo(operatorId), e.Amount.Cents),
                    operatorId, e.VenueId, scheme.PayAsYouGoAt(e.VenueId)?.Id, reference: $"{e.TerminalId}/{e.TerminalSequence}");
            }
            case DebtSettled e:
                return Entry(LedgerKind.DebtSettled, e.SettledAt, time.ServiceDate(e.SettledAt), e.CardId,
                    Pair(LedgerAccounts.StoredValue, LedgerAccounts.CardDebts, e.Amount.Cents), reference: e.Reference);
            case ProviderTransactionRecorded e:
                return Entry(LedgerKind.Provider(e.Row.ReportingCategory), e.RecordedAt, time.ServiceDate(e.RecordedAt), null,
                    ProviderLines(e.Row, LedgerAccounts.Clearing(e.Provider)), source: e.Provider, reference: e.Row.BalanceTransactionId);
            default:
                return null;
        }
    }

    /// <summary>
    /// A provider's balance transaction: the charge itself was posted by the card's load, so a charge posts only its fee;
    /// refunds and lost disputes settle what the ledger owed as refunds payable; payouts move money to the bank.
    /// </summary>
    public static IReadOnlyList<PostingLine> ProviderLines(StripeReportRow row, string clearing)
    {
        var lines = new List<PostingLine>();
        switch (row.ReportingCategory)
        {
            case "charge":
                break;
            case "refund" or "refund_failure" or "dispute" or "dispute_reversal":
                lines.AddRange(Pair(LedgerAccounts.RefundsPayable, clearing, -row.GrossCents));
                break;
            case "payout" or "payout_reversal" or "payout_failure":
                lines.AddRange(Pair(LedgerAccounts.Bank, clearing, -row.GrossCents));
                break;
            case "fee" or "stripe_fee" or "tax":
                lines.AddRange(Pair(LedgerAccounts.ProviderFees, clearing, -row.GrossCents));
                break;
            default:
                lines.AddRange(Pair(LedgerAccounts.SchemeFunded, clearing, -row.GrossCents));
                break;
        }
        if (row.FeeCents != 0)
            lines.AddRange(Pair(LedgerAccounts.ProviderFees, clearing, row.FeeCents));
        return lines.Where(l => l.Cents != 0).ToList();
    }

    /// <summary>Debits one account and credits another with the same amount.</summary>
    private static IReadOnlyList<PostingLine> Pair(string debit, string credit, long cents) =>
        cents == 0 ? [] : [new PostingLine(debit, cents), new PostingLine(credit, checked(-cents))];

    public static string OperatorOf(Scheme scheme, string venueId) =>
        scheme.Venues.TryGetValue(venueId, out var venue) ? venue.OperatorId : UnknownOperator;

    /// <summary>The distinct operators of the venues a product is honoured at, in id order.</summary>
    public static IReadOnlyList<string> OperatorsOf(Scheme scheme, IEnumerable<string> venueIds)
    {
        var operators = venueIds.Select(v => OperatorOf(scheme, v)).Distinct().OrderBy(o => o, StringComparer.Ordinal).ToList();
        return operators.Count == 0 ? [UnknownOperator] : operators;
    }

    /// <summary>
    /// A product honoured by several operators is shared equally between them at the sale; the cents that do not
    /// divide go one each to the first operators in id order, so the shares always add up to the price.
    /// </summary>
    public static IReadOnlyList<(string OperatorId, long Cents)> Split(long cents, IReadOnlyList<string> operators)
    {
        var share = cents / operators.Count;
        var rest = cents % operators.Count;
        return operators.Select((o, i) => (o, share + (i < Math.Abs(rest) ? Math.Sign(rest) : 0))).ToList();
    }
}
