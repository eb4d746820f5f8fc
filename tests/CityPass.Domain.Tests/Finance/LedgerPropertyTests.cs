using CityPass.Domain.Cards;
using CityPass.Domain.Finance;
using CityPass.Domain.Schemes;
using CsCheck;
using NodaTime;

namespace CityPass.Domain.Tests.Finance;

/// <summary>
/// Random histories of loads, taps, purchases, refunds (reclaim and debt), debt settlements, offline taps uploaded after
/// their day was closed, and closes. After every step: the postings sum to zero, the stored-value liability equals the
/// sum of card balances, card debts equal the receivable; and closed statements never change and report every entry once.
/// </summary>
public class LedgerPropertyTests
{
    private static readonly Scheme Scheme = FinanceScheme.Build();
    private static readonly string[] Venues = ["pool", "library", "parking", "zoo"];

    private sealed class World
    {
        public readonly Card[] Cards = Enumerable.Range(0, 3)
            .Select(i => Card.From(new CardIssued(Guid.NewGuid(), $"04AA{i:X2}", FinanceScheme.Defined))).ToArray();
        public readonly List<LedgerEntry> Entries = [];
        public readonly List<(DayStatement Statement, long PreviousUpTo)> Closed = [];
        public long Sequence;
        public Instant Now = Instant.FromUtc(2027, 3, 20, 8, 0);

        public void Append(int card, object e)
        {
            Cards[card] = Cards[card].Evolve(e);
            if (PostingRules.Post(e, ++Sequence, Scheme) is { } entry)
                Entries.Add(entry);
        }

        public LocalDate Today => Scheme.Time.ServiceDate(Now);
    }

    [Fact]
    public void The_ledger_balances_and_matches_the_cards_after_every_step_and_closed_days_never_change() =>
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 2], Gen.Long[1, 40_00], Gen.Int[10, 900]).Array[1, 80]
            .Sample(steps =>
            {
                var w = new World();
                foreach (var (op, c, cents, minutes) in steps)
                {
                    w.Now += Duration.FromMinutes(minutes);
                    var card = w.Cards[c];
                    var amount = Money.FromCents(cents);
                    switch (op)
                    {
                        case 0:
                            w.Append(c, new ValueLoaded(card.Id, amount, LoadSource.Admin, $"k{w.Sequence}", card.Balance + amount, w.Now));
                            break;
                        case 1:
                            w.Append(c, new ValueLoaded(card.Id, amount, LoadSource.Stripe, $"pi_{w.Sequence}", card.Balance + amount, w.Now));
                            var settled = w.Cards[c].Debt < amount ? w.Cards[c].Debt : amount;
                            if (settled > Money.Zero)
                                w.Append(c, new DebtSettled(card.Id, settled, "pi", w.Cards[c].Debt - settled, w.Cards[c].Balance - settled, w.Now));
                            break;
                        case 2: // online or offline tap: an offline one may overdraw (as OfflineTapDecisions does), the venue is paid all the same
                            var covered = card.Balance > Money.Zero ? (card.Balance < amount ? card.Balance : amount) : Money.Zero;
                            w.Append(c, new FareCharged(card.Id, Venues[cents % 4], "t", w.Sequence, covered, card.Balance - covered, w.Today,
                                PostingRulesTests.Price(cents), w.Now, w.Now));
                            if (amount > covered)
                                w.Append(c, new FareOwed(card.Id, Venues[cents % 4], "t", w.Sequence, amount - covered, w.Cards[c].Debt + (amount - covered), w.Today, w.Now, w.Now));
                            break;
                        case 3:
                            var right = new Right(Guid.NewGuid(), "city-pass", ProductKind.PeriodPass, "City pass", ["pool", "parking", "zoo"], w.Today, w.Today.PlusMonths(1), null, null, null, false);
                            w.Append(c, new ProductPurchased(card.Id, right, PostingRulesTests.Price(cents), card.Balance - amount, $"k{w.Sequence}", w.Now));
                            break;
                        case 4:
                            foreach (var e in CardDecisions.Decide(card, new ReclaimValue(amount, "payment refunded", "pi_x"), w.Now))
                                w.Append(c, e);
                            break;
                        case 5: // an offline tap uploaded late: its service day may already be closed
                            var late = w.Closed.Count > 0 ? w.Closed[^1].Statement.Day.PlusDays(-(minutes % 3)) : w.Today.PlusDays(-1);
                            w.Append(c, new FareCharged(card.Id, Venues[cents % 4], "offline", w.Sequence, amount, card.Balance - amount, late,
                                PostingRulesTests.Price(cents), w.Now - Duration.FromDays(1), w.Now));
                            break;
                        case 6:
                            w.Append(c, new EntryRedeemed(card.Id, Guid.NewGuid(), "city-pass", ProductKind.PeriodPass, Venues[cents % 4], "t", w.Sequence, null, w.Today, w.Now, w.Now));
                            break;
                        default: // close every open day before today, in order
                            var yesterday = w.Today.PlusDays(-1);
                            var first = w.Closed.Count > 0 ? w.Closed[^1].Statement.Day.PlusDays(1) : yesterday;
                            for (var d = first; d <= yesterday; d = d.PlusDays(1))
                            {
                                var previous = w.Closed.Count > 0 ? w.Closed[^1].Statement : null;
                                var statement = DailyClose.Close(d, w.Sequence, previous?.UpToSequence ?? 0, previous?.Scheme.ClosingFloatCents ?? 0, w.Entries, Scheme.Time);
                                w.Closed.Add((statement, previous?.UpToSequence ?? 0));
                            }
                            break;
                    }
                    AssertInvariants(w);
                }
            }, iter: 300);

    private static void AssertInvariants(World w)
    {
        long Account(string account) => w.Entries.Aggregate(0L, (s, e) => s + e.On(account));
        Assert.Equal(0, w.Entries.Aggregate(0L, (s, e) => s + e.Sum));
        Assert.Equal(w.Cards.Aggregate(0L, (s, c) => s + c.Balance.Cents), -Account(LedgerAccounts.StoredValue));
        Assert.Equal(w.Cards.Aggregate(0L, (s, c) => s + c.Debt.Cents), Account(LedgerAccounts.CardDebts));
        if (w.Closed.Count == 0)
            return;

        // Closed days never change: closing them again over everything known now gives the same statement.
        foreach (var (statement, previousUpTo) in w.Closed)
        {
            var again = DailyClose.Close(statement.Day, statement.UpToSequence, previousUpTo, statement.Scheme.OpeningFloatCents, w.Entries, Scheme.Time);
            Assert.Equal((statement.Entries, statement.Scheme.ClosingFloatCents, statement.Operators.Count, statement.Adjustments.Count),
                (again.Entries, again.Scheme.ClosingFloatCents, again.Operators.Count, again.Adjustments.Count));
        }

        // Every entry the closes saw, for a closed day or before, is reported exactly once; the float adds up.
        var last = w.Closed[^1].Statement;
        var due = w.Entries.Count(e => e.Id <= last.UpToSequence && e.BusinessDay <= last.Day);
        Assert.Equal(due, w.Closed.Sum(c => c.Statement.Entries));
        var reportedFloat = w.Entries.Where(e => e.Id <= last.UpToSequence && e.BusinessDay <= last.Day).Aggregate(0L, (s, e) => s - e.On(LedgerAccounts.StoredValue));
        Assert.Equal(reportedFloat, last.Scheme.ClosingFloatCents);
    }
}
