using CityPass.Domain;
using CityPass.Domain.Schemes;
using CityPass.Host.Cards;
using CityPass.Host.Cards.Reading;
using NodaTime;

namespace CityPass.IntegrationTests.Portal;

/// <summary>Every kind of statement line the portal phrases: what each event's line is called, and credit or debit. No host.</summary>
public class HistoryWordingTests
{
    private static readonly Guid Card = Guid.NewGuid();
    private static readonly Guid Lost = Guid.NewGuid();
    private static readonly Instant At = Instant.FromUtc(2026, 11, 30, 17, 3);

    private static readonly HistoryNames Names = new(
        new Dictionary<string, string> { ["pool"] = "Piscine Saint-Georges", ["museum"] = "Musée des Beaux-Arts" },
        new Dictionary<string, string> { ["swim-10"] = "10 entrées piscine", ["payg"] = "Au ticket" },
        new Dictionary<string, string> { ["sortir"] = "Sortir !" },
        new Dictionary<Guid, string> { [Lost] = "1234 5678 9012" });

    private static CardHistoryLine Line(string kind, long? cents = null, string? venue = null, string? product = null, string? detail = null) =>
        new(Guid.NewGuid(), Card, 1, kind, cents, null, venue, null, product, detail, At);

    private static PriceBreakdown Price(long baseCents, long reducedCents, long chargedCents, string? profile = null, int percent = 0, bool lapsed = false) =>
        new("museum", At, Money.FromCents(baseCents), profile, percent, "HalfUp", Money.FromCents(reducedCents), null, Money.FromCents(chargedCents))
        {
            ProductId = "payg", CapMemoryLapsed = lapsed,
        };

    public static TheoryData<string, CardHistoryLine, string> Lines() => new()
    {
        { "issued", Line("issued", detail: "04AABBCCDDEEFF"), HistoryWording.None },
        { "reload-card", Line("loaded", 20_00, detail: "sandbox"), HistoryWording.Credit },
        { "load-desk", Line("loaded", 5_00, detail: "admin"), HistoryWording.Credit },
        { "fare", Line("charged", -1_50, "museum", "payg") with { Price = Price(1_50, 1_50, 1_50) }, HistoryWording.Debit },
        { "fare-reduced", Line("charged", -23, "museum", "payg") with { Price = Price(1_50, 23, 23, "sortir", 85) }, HistoryWording.Debit },
        { "fare-capped", Line("charged", -50, "museum", "payg") with { Price = Price(1_50, 1_50, 50) }, HistoryWording.Debit },
        { "fare-free-cap", Line("charged", 0, "museum", "payg") with { Price = Price(1_50, 1_50, 0) }, HistoryWording.None },
        { "fare-free-late", Line("charged", 0, "museum", "payg") with { Price = Price(1_50, 1_50, 0, lapsed: true) }, HistoryWording.None },
        { "entry-pass", Line("entry", null, "pool", "swim-10", "Carnet, 7 left") with { EntriesLeft = 7 }, HistoryWording.None },
        { "entry", Line("entry", null, "pool", "season", "PeriodPass"), HistoryWording.None },
        { "purchase", Line("purchased", -30_00, product: "swim-10"), HistoryWording.Debit },
        { "concession", Line("concession", detail: "sortir 2026-11-01 to 2027-10-31"), HistoryWording.None },
        { "blocked", Line("blocked", detail: "lost"), HistoryWording.None },
        { "unblocked", Line("unblocked", detail: "found"), HistoryWording.None },
        { "refund-reload", Line("reclaimed", -10_00, detail: "payment refunded (pi_sandbox_1)"), HistoryWording.Debit },
        { "taken-back", Line("reclaimed", -10_00, detail: "payment refunded or lost in a dispute (pi_sandbox_1)"), HistoryWording.Debit },
        { "debt", Line("debt", -2_00, detail: "payment refunded (pi_1); debt 2.00"), HistoryWording.Debit },
        { "owed", Line("owed", null, "museum", detail: "offline fare not covered"), HistoryWording.None },
        { "debt-settled", Line("debt-settled", -2_00, detail: "debt 0 left"), HistoryWording.Debit },
        { "transfer-out", Line("transferred-out", -18_50) with { OtherCardId = Guid.NewGuid() }, HistoryWording.Debit },
        { "transfer-in", Line("transferred-in", 18_50) with { OtherCardId = Lost }, HistoryWording.Credit },
        { "refund-balance", Line("refunded", -18_50, detail: "bank-transfer (closure/x)"), HistoryWording.Debit },
        { "other", Line("something-new"), HistoryWording.None },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void Each_line_gets_its_kind_and_whether_money_came_in_or_went_out(string kind, CardHistoryLine line, string flow)
    {
        var words = HistoryWording.Of(line, Names);
        Assert.Equal((kind, flow), (words.Kind, words.Flow));
        Assert.Contains(words.Kind, HistoryWording.Kinds);
    }

    [Fact]
    public void Every_kind_is_covered_by_a_line_above()
    {
        var covered = Lines().Select(row => (string)row[0]).ToHashSet();
        Assert.DoesNotContain(HistoryWording.Kinds, k => !covered.Contains(k));
    }

    [Fact]
    public void The_sentence_names_the_venue_the_pass_and_what_is_left_the_tariff_the_cap_and_the_lost_card_by_its_printed_number()
    {
        var entry = HistoryWording.Of(Line("entry", null, "pool", "swim-10") with { EntriesLeft = 7 }, Names);
        Assert.Equal(("Piscine Saint-Georges", "10 entrées piscine", 7), (entry.Venue, entry.Product, entry.EntriesLeft));

        var reduced = HistoryWording.Of(Line("charged", -23, "museum", "payg") with { Price = Price(1_50, 23, 23, "sortir", 85) }, Names);
        Assert.Equal(("Musée des Beaux-Arts", "Sortir !", 85, 1_50L), (reduced.Venue, reduced.Profile, reduced.ReductionPercent, reduced.BaseCents));

        var capped = HistoryWording.Of(Line("charged", -50, "museum") with { Price = Price(1_50, 1_50, 50) }, Names);
        Assert.Equal(1_00L, capped.CapTookOffCents);

        Assert.Equal("1234 5678 9012", HistoryWording.Of(Line("transferred-in", 18_50) with { OtherCardId = Lost }, Names).OtherCard);
        Assert.Equal("Sortir !", HistoryWording.Of(Line("concession", detail: "sortir 2026-11-01 to 2027-10-31"), Names).Profile);
        Assert.Equal("lost", HistoryWording.Of(Line("blocked", detail: "lost"), Names).Reason);
    }
}
