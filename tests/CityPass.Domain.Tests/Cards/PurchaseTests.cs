using CityPass.Domain.Cards;
using NodaTime;

namespace CityPass.Domain.Tests.Cards;

public class PurchaseTests
{
    private static readonly Domain.Schemes.Scheme Scheme = TestScheme.Build();
    private static readonly Instant Now = TestScheme.InParis(2026, 11, 25, 10);

    private static (ProductPurchased? Bought, Refusal? Refusal) Buy(Card card, string product, LocalDate? start = null) =>
        CardDecisions.Decide(card, Scheme, new PurchaseProduct(Guid.NewGuid(), product, start, "k1"), Now);

    [Fact]
    public void A_monthly_pass_is_paid_from_stored_value_and_valid_to_the_day_before_the_same_date_next_month()
    {
        var (bought, refusal) = Buy(TestScheme.NewCard(100_00), "parking-month", new LocalDate(2027, 1, 31));
        Assert.Null(refusal);
        Assert.Equal((60_00L, 40_00L), (bought!.Price.Charged.Cents, bought.BalanceAfter.Cents));
        Assert.Equal((new LocalDate(2027, 1, 31), new LocalDate(2027, 2, 27)), (bought.Right.ValidFrom, bought.Right.ValidTo));
    }

    [Fact]
    public void A_concession_reduces_the_price_of_a_product()
    {
        var card = TestScheme.NewCard(100_00);
        var (granted, _) = CardDecisions.Decide(card, Scheme, new GrantConcession(Guid.NewGuid(), "sortir-50", new LocalDate(2026, 1, 1), new LocalDate(2026, 12, 31), "CAF"), Now);
        var (bought, _) = Buy(card.Evolve(granted!), "swim-10");
        Assert.Equal((30_00L, 50, 15_00L), (bought!.Price.Base.Cents, bought.Price.ReductionPercent, bought.Price.Charged.Cents));
    }

    [Theory]
    [InlineData("payg", null, "not-for-sale")]
    [InlineData("unicorn", null, "unknown-product")]
    [InlineData("parking-month", "2026-11-24", "start-in-past")]
    [InlineData("parking-month", "2028-01-01", "start-too-far")]
    public void What_cannot_be_bought_is_refused_with_a_reason(string product, string? start, string code)
    {
        var (bought, refusal) = Buy(TestScheme.NewCard(100_00), product, start is null ? null : NodaTime.Text.LocalDatePattern.Iso.Parse(start).Value);
        Assert.Null(bought);
        Assert.Equal(code, refusal!.Code);
    }

    [Fact]
    public void A_product_the_balance_does_not_cover_is_refused()
    {
        var (bought, refusal) = Buy(TestScheme.NewCard(29_99), "swim-10");
        Assert.Null(bought);
        Assert.Equal("insufficient-funds", refusal!.Code);
    }

    [Fact]
    public void A_ticket_is_not_sold_after_the_show_nor_twice_to_one_card()
    {
        var card = TestScheme.NewCard(100_00);
        var (bought, _) = Buy(card, "hamlet");
        Assert.Equal("already-held", CardDecisions.Decide(card.Evolve(bought!), Scheme, new PurchaseProduct(Guid.NewGuid(), "hamlet", null, "k2"), Now).Refusal!.Code);
        Assert.Equal("event-over", CardDecisions.Decide(card, Scheme, new PurchaseProduct(Guid.NewGuid(), "hamlet", null, "k3"), TestScheme.InParis(2026, 12, 12, 22, 45)).Refusal!.Code);
    }

    [Fact]
    public void A_concession_needs_evidence_and_a_period_not_already_over()
    {
        var card = TestScheme.NewCard();
        GrantConcession Grant(string profile, LocalDate from, LocalDate to, string evidence) => new(Guid.NewGuid(), profile, from, to, evidence);
        Assert.Equal("missing-evidence", CardDecisions.Decide(card, Scheme, Grant("sortir-50", new LocalDate(2026, 11, 1), new LocalDate(2027, 1, 1), " "), Now).Refusal!.Code);
        Assert.Equal("invalid-period", CardDecisions.Decide(card, Scheme, Grant("sortir-50", new LocalDate(2026, 1, 1), new LocalDate(2026, 11, 24), "CAF"), Now).Refusal!.Code);
        Assert.Equal("invalid-period", CardDecisions.Decide(card, Scheme, Grant("sortir-50", new LocalDate(2027, 1, 1), new LocalDate(2026, 12, 1), "CAF"), Now).Refusal!.Code);
        Assert.Equal("unknown-profile", CardDecisions.Decide(card, Scheme, Grant("vip", new LocalDate(2026, 11, 1), new LocalDate(2027, 1, 1), "CAF"), Now).Refusal!.Code);
    }

    [Fact]
    public void A_concession_runs_five_calendar_years_at_most_both_dates_inclusive()
    {
        var card = TestScheme.NewCard();
        GrantConcession Grant(LocalDate to) => new(Guid.NewGuid(), "sortir-50", new LocalDate(2026, 11, 1), to, "CAF 2026-1");
        // Five years from 1 November 2026 is 1,826 days (29 February 2028 among them), not 5 x 366.
        Assert.Null(CardDecisions.Decide(card, Scheme, Grant(new LocalDate(2031, 10, 31)), Now).Refusal);
        var refused = CardDecisions.Decide(card, Scheme, Grant(new LocalDate(2031, 11, 1)), Now).Refusal!;
        Assert.Equal("invalid-period", refused.Code);
        Assert.Contains("2031-10-31", refused.Message);
    }
}
