using CityPass.Domain.Cards;
using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using NodaTime;

namespace CityPass.Domain.Tests.Finance;

public class PostingRulesTests
{
    private static readonly Scheme Scheme = FinanceScheme.Build();
    private static readonly Instant Evening = Instant.FromUtc(2026, 11, 25, 17, 0);
    private static readonly Guid CardId = Guid.NewGuid();

    public static PriceBreakdown Price(long cents, string? profile = null) =>
        new("t", FinanceScheme.Defined, Money.FromCents(cents), profile, 0, "HalfUp", Money.FromCents(cents), null, Money.FromCents(cents));

    [Fact]
    public void A_provider_load_moves_money_from_the_provider_clearing_account_to_stored_value()
    {
        var entry = PostingRules.Post(new ValueLoaded(CardId, Money.FromCents(20_00), LoadSource.Stripe, "pi_1", Money.FromCents(20_00), Evening), 7, Scheme)!;
        Assert.Equal([new PostingLine("asset:clearing:stripe", 20_00), new PostingLine(LedgerAccounts.StoredValue, -20_00)], entry.Lines);
        Assert.Equal((7L, "pi_1", new LocalDate(2026, 11, 25)), (entry.Id, entry.Reference, entry.BusinessDay));
    }

    [Fact]
    public void An_administrators_credit_is_funded_by_the_scheme()
    {
        var entry = PostingRules.Post(new ValueLoaded(CardId, Money.FromCents(5_00), LoadSource.Admin, "k", Money.FromCents(5_00), Evening), 1, Scheme)!;
        Assert.Equal(5_00, entry.On(LedgerAccounts.SchemeFunded));
    }

    [Fact]
    public void A_fare_is_owed_to_the_operator_of_the_venue_and_counts_in_the_terminals_service_day()
    {
        var fare = new FareCharged(CardId, "parking", "t1", 3, Money.FromCents(2_50), Money.Zero, new LocalDate(2026, 11, 24), Price(2_50, "sortir"), Evening, Evening);
        var entry = PostingRules.Post(fare, 2, Scheme)!;
        Assert.Equal([new PostingLine(LedgerAccounts.StoredValue, 2_50), new PostingLine(LedgerAccounts.OwedTo("parkco"), -2_50)], entry.Lines);
        Assert.Equal((new LocalDate(2026, 11, 24), "parkco", "payg", "sortir", 1), (entry.BusinessDay, entry.OperatorId, entry.ProductId, entry.ProfileId, entry.Visits));
    }

    [Fact]
    public void A_product_honoured_by_three_operators_is_shared_equally_the_odd_cents_going_to_the_first_in_id_order()
    {
        var right = new Right(Guid.NewGuid(), "city-pass", ProductKind.PeriodPass, "City pass", ["zoo", "pool", "parking", "library"],
            new LocalDate(2026, 11, 25), new LocalDate(2026, 12, 24), null, null, null, false);
        var entry = PostingRules.Post(new ProductPurchased(CardId, right, Price(100_00), Money.Zero, "k", Evening), 3, Scheme)!;
        Assert.Equal(10_000, entry.On(LedgerAccounts.StoredValue));
        Assert.Equal((-33_34L, -33_33L, -33_33L), (entry.On(LedgerAccounts.OwedTo("city")), entry.On(LedgerAccounts.OwedTo("parkco")), entry.On(LedgerAccounts.OwedTo("zoo"))));
        Assert.Equal(0, entry.Sum);
    }

    [Fact]
    public void An_entry_with_a_right_moves_no_money_but_counts_a_visit()
    {
        var entry = PostingRules.Post(new EntryRedeemed(CardId, Guid.NewGuid(), "city-pass", ProductKind.PeriodPass, "zoo", "t", 1, null, new LocalDate(2026, 11, 25), Evening, Evening), 4, Scheme)!;
        Assert.Empty(entry.Lines);
        Assert.Equal(("zoo", 1), (entry.OperatorId, entry.Visits));
    }

    [Fact]
    public void An_offline_fare_not_covered_is_owed_to_the_operator_and_by_the_cardholder()
    {
        var owed = PostingRules.Post(new FareOwed(CardId, "pool", "pool-gate-1", 7, Money.FromCents(2_00), Money.FromCents(2_00), new NodaTime.LocalDate(2026, 11, 25), Evening, Evening), 9, Scheme)!;

        Assert.Equal(0, owed.Lines.Sum(l => l.Cents));
        Assert.Contains(owed.Lines, l => l.Account == LedgerAccounts.CardDebts && l.Cents == 2_00);
        Assert.Contains(owed.Lines, l => l.Account.StartsWith("liability:operator:", StringComparison.Ordinal) && l.Cents == -2_00);
    }

    [Fact]
    public void A_refund_reclaims_stored_value_and_records_what_was_spent_as_a_receivable_both_payable_back()
    {
        var reclaim = PostingRules.Post(new ValueReclaimed(CardId, Money.FromCents(6_00), "payment refunded", "pi_1", Money.Zero, Evening), 5, Scheme)!;
        var debt = PostingRules.Post(new CardDebtRecorded(CardId, Money.FromCents(4_00), "payment refunded", "pi_1", Money.FromCents(4_00), Evening), 6, Scheme)!;
        var settled = PostingRules.Post(new DebtSettled(CardId, Money.FromCents(4_00), "pi_2", Money.Zero, Money.FromCents(1_00), Evening), 7, Scheme)!;
        Assert.Equal(-10_00, reclaim.On(LedgerAccounts.RefundsPayable) + debt.On(LedgerAccounts.RefundsPayable));
        Assert.Equal((4_00L, -4_00L), (debt.On(LedgerAccounts.CardDebts), settled.On(LedgerAccounts.CardDebts)));
        Assert.Equal(4_00, settled.On(LedgerAccounts.StoredValue));
    }

    [Fact]
    public void A_providers_charge_posts_its_fee_a_refund_settles_refunds_payable_and_a_payout_reaches_the_bank()
    {
        StripeReportRow Row(string category, long gross, long fee) =>
            new(2, "txn_" + category, Evening, null, "eur", gross, fee, gross - fee, category, null, null, "pi_1", null, null);
        Assert.Equal([new PostingLine(LedgerAccounts.ProviderFees, 55), new PostingLine("asset:clearing:stripe", -55)],
            PostingRules.ProviderLines(Row("charge", 20_00, 55), "asset:clearing:stripe"));
        Assert.Equal(10_00, PostingRules.ProviderLines(Row("refund", -10_00, 0), "asset:clearing:stripe").Single(l => l.Account == LedgerAccounts.RefundsPayable).Cents);
        Assert.Equal(50_00, PostingRules.ProviderLines(Row("payout", -50_00, 0), "asset:clearing:stripe").Single(l => l.Account == LedgerAccounts.Bank).Cents);
    }

    [Fact]
    public void Events_that_move_no_money_post_nothing() =>
        Assert.Null(PostingRules.Post(new CardBlocked(CardId, "lost", Evening), 8, Scheme));
}

public class PostedEventTypesTests
{
    /// <summary>Card events that move no money: anything else on a card's stream must be posted.</summary>
    private static readonly Type[] MoveNoMoney =
    [
        typeof(CardIssued), typeof(ConcessionGranted), typeof(CardBlocked), typeof(CardUnblocked),
        typeof(ReloadReserved), typeof(ReloadReservationReleased),
    ];

    [Fact]
    public void Every_card_event_is_posted_or_declared_to_move_no_money()
    {
        var cardEvents = StreamEventTypesTests.EventsCarrying(typeof(Card), "CardId");
        Assert.NotEmpty(cardEvents);
        Assert.All(cardEvents, t => Assert.True(PostingRules.PostedEventTypes.Contains(t) || MoveNoMoney.Contains(t),
            $"{t.Name} is neither posted by PostingRules nor declared to move no money."));
    }
}
