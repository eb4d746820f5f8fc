using CityPass.Domain.Schemes;

namespace CityPass.Host.Cards.Reading;

/// <summary>
/// What a statement line means, for a person: a <see cref="Kind"/> the portal phrases in French or English, whether money
/// came in (<see cref="Flow"/> credit), went out (debit) or neither (free), and the names the sentence needs.
/// </summary>
/// <param name="Kind">One of <see cref="HistoryWording"/>'s kinds (e.g. entry-pass, fare-free-cap, reload-card).</param>
/// <param name="Flow">credit, debit or none.</param>
/// <param name="OtherCard">A transfer: the printed number of the card the value came from or went to.</param>
public sealed record HistoryWords(
    string Kind, string Flow, string? Venue = null, string? Product = null, int? EntriesLeft = null, string? Profile = null,
    int? ReductionPercent = null, long? BaseCents = null, long? CapTookOffCents = null, string? OtherCard = null, string? Reason = null);

/// <summary>Names the statement refers to by id: venues, products, concession profiles, and other cards' printed numbers.</summary>
public sealed record HistoryNames(
    IReadOnlyDictionary<string, string> Venues, IReadOnlyDictionary<string, string> Products, IReadOnlyDictionary<string, string> Profiles,
    IReadOnlyDictionary<Guid, string> Cards)
{
    public static readonly HistoryNames None = new(new Dictionary<string, string>(), new Dictionary<string, string>(),
        new Dictionary<string, string>(), new Dictionary<Guid, string>());

    public static HistoryNames Of(Scheme scheme, IReadOnlyDictionary<Guid, string> cards) =>
        new(scheme.Venues.ToDictionary(v => v.Key, v => v.Value.Name), scheme.Products.ToDictionary(p => p.Key, p => p.Value.Name),
            scheme.Profiles.ToDictionary(p => p.Key, p => p.Value.Name), cards);
}

/// <summary>A statement line with what it means (<see cref="Words"/>), as the cardholder's portal shows it.</summary>
public sealed record WordedHistoryLine(
    Guid Id, Guid CardId, long Version, string Kind, long? AmountCents, long? BalanceCents, string? VenueId, string? TerminalId, string? ProductId,
    string? Detail, Instant At, PriceBreakdown? Price, LocalDate? ServiceDate, bool Pseudonymised, HistoryWords Words);

/// <summary>A page of one of my cards' statement, newest first, each line worded; <see cref="NextBefore"/> pages back.</summary>
public sealed record WordedHistoryPage(Guid CardId, IReadOnlyList<WordedHistoryLine> Lines, long? NextBefore);

public static class HistoryWording
{
    public const string Credit = "credit";
    public const string Debit = "debit";
    public const string None = "none";

    /// <summary>Every kind a line can have (the portal has a sentence for each, in French and English).</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        "issued", "reload-card", "load-desk", "fare", "fare-reduced", "fare-capped", "fare-free-cap", "fare-free-late",
        "entry-pass", "entry", "purchase", "concession", "blocked", "unblocked", "refund-reload", "taken-back", "debt", "owed",
        "debt-settled", "transfer-out", "transfer-in", "refund-balance", "other",
    ];

    public static HistoryWords Of(CardHistoryLine line, HistoryNames names)
    {
        var flow = line.AmountCents switch { > 0 => Credit, < 0 => Debit, _ => None };
        var venue = line.VenueId is null ? null : names.Venues.GetValueOrDefault(line.VenueId, line.VenueId);
        var product = line.ProductId is null ? null : names.Products.GetValueOrDefault(line.ProductId, line.ProductId);
        var other = line.OtherCardId is { } id ? names.Cards.GetValueOrDefault(id) : null;
        var words = new HistoryWords("other", flow, venue, product);
        return line.Kind switch
        {
            "issued" => words with { Kind = "issued" },
            "loaded" => words with { Kind = LoadSource(line.Detail) ? "reload-card" : "load-desk" },
            "charged" => Fare(line, words, names),
            "entry" => words with { Kind = line.EntriesLeft is not null ? "entry-pass" : "entry", EntriesLeft = line.EntriesLeft },
            "purchased" => words with { Kind = "purchase" },
            "concession" => words with { Kind = "concession", Profile = ProfileOf(line.Detail, names) },
            "blocked" => words with { Kind = "blocked", Reason = line.Detail },
            "unblocked" => words with { Kind = "unblocked", Reason = line.Detail },
            "reclaimed" => words with { Kind = line.Detail?.StartsWith("payment refunded (", StringComparison.Ordinal) == true ? "refund-reload" : "taken-back" },
            "debt" => words with { Kind = "debt" },
            "owed" => words with { Kind = "owed" },
            "debt-settled" => words with { Kind = "debt-settled" },
            "transferred-out" => words with { Kind = "transfer-out", OtherCard = other },
            "transferred-in" => words with { Kind = "transfer-in", OtherCard = other },
            "refunded" => words with { Kind = "refund-balance" },
            _ => words,
        };
    }

    private static bool LoadSource(string? code) => code is not null && new Domain.Cards.LoadSource(code).IsPaymentProvider;

    private static HistoryWords Fare(CardHistoryLine line, HistoryWords words, HistoryNames names)
    {
        if (line.Price is not { } p)
            return words with { Kind = "fare" };
        var profile = p.ProfileId is null ? null : names.Profiles.GetValueOrDefault(p.ProfileId, p.ProfileId);
        words = words with { BaseCents = p.Base.Cents, Profile = profile, ReductionPercent = p.ReductionPercent > 0 ? p.ReductionPercent : null };
        if (p.CapMemoryLapsed)
            return words with { Kind = "fare-free-late" };
        if (p.CapTookOff > Money.Zero)
            return words with { Kind = line.AmountCents is 0 or null ? "fare-free-cap" : "fare-capped", CapTookOffCents = p.CapTookOff.Cents };
        return words with { Kind = p.ReductionPercent > 0 ? "fare-reduced" : "fare" };
    }

    private static string? ProfileOf(string? detail, HistoryNames names)
    {
        var id = detail?.Split(' ', 2)[0];
        return id is null ? null : names.Profiles.GetValueOrDefault(id, id);
    }

    public static WordedHistoryLine Worded(CardHistoryLine l, HistoryNames names) =>
        new(l.Id, l.CardId, l.Version, l.Kind, l.AmountCents, l.BalanceCents, l.VenueId, l.TerminalId, l.ProductId, l.Detail, l.At, l.Price, l.ServiceDate,
            l.Pseudonymised, Of(l, names));
}
