using System.Collections.Immutable;
using NodaTime;

namespace CityPass.Domain.Finance;

// The books stream: one stream (a fixed id) for what finance staff do — close days, import the provider's report,
// resolve discrepancies. Its events are immutable; a closed day's statement lives in its DayClosed event.

/// <summary>A business day was closed: its statement is final. Later data about it lands on a later day as an adjustment.</summary>
/// <param name="UpToSequence">The last ledger entry (event sequence) the close saw; anything later for this day is late.</param>
public sealed record DayClosed(LocalDate Day, long UpToSequence, DayStatement Statement, string ClosedBy, Instant ClosedAt);

/// <summary>A row of the provider's report the ledger had not seen, recorded once (by its balance transaction id) and posted.</summary>
/// <param name="Provider">The clearing account it moves: the provider of the matched load, "stripe" otherwise.</param>
public sealed record ProviderTransactionRecorded(Guid ImportId, StripeReportRow Row, string Provider, Instant RecordedAt);

/// <summary>A provider report was imported and reconciled against the ledger's loads.</summary>
public sealed record ProviderReportImported(Guid ImportId, string FileName, int Rows, ReconciliationReport Report, string ImportedBy, Instant ImportedAt);

/// <summary>Something reconciliation could not match; it stays open until a finance user resolves it.</summary>
public sealed record DiscrepancyOpened(Discrepancy Discrepancy, Instant OpenedAt);

/// <summary>A finance user looked at a discrepancy and explained it (audited: who, when, why).</summary>
public sealed record DiscrepancyResolved(string DiscrepancyId, string Note, string ResolvedBy, Instant ResolvedAt);

public enum DiscrepancyKind
{
    /// <summary>The provider took a payment the ledger has not loaded onto any card.</summary>
    MissingInLedger,

    /// <summary>The ledger loaded a provider payment the provider's report does not show.</summary>
    MissingInReport,
    AmountMismatch,
    CurrencyMismatch,

    /// <summary>The same balance transaction appears more than once in one report.</summary>
    DuplicateRow,
}

/// <param name="Id">Stable per kind and reference, so a re-import does not open the same discrepancy twice.</param>
public sealed record Discrepancy(string Id, DiscrepancyKind Kind, string Reference, string Detail, long? LedgerCents, long? ReportCents)
{
    public string? Note { get; init; }
    public string? ResolvedBy { get; init; }
    public Instant? ResolvedAt { get; init; }
    public Instant OpenedAt { get; init; }
    public bool IsOpen => ResolvedAt is null;
}

/// <summary>A balance transaction of the provider recorded by an import (id: Stripe's balance transaction id): recorded once.</summary>
public sealed record ProviderTransaction(string Id, Guid ImportId, Instant RecordedAt);

/// <summary>A payment (PaymentIntent or charge; id: the ledger load's reference) some imported report showed.</summary>
public sealed record ReportedPayment(string Id, Guid ImportId, Instant ReportedAt);

public sealed record ClosedDay(LocalDate Day, long UpToSequence, long ClosingFloatCents);

/// <summary>The state of the books, folded from the books stream.</summary>
public sealed record FinanceBooks(Guid Id, ImmutableList<ClosedDay> ClosedDays)
{
    public static readonly Guid StreamId = new("5c7e3e1a-0000-4000-8000-f1a4ace00001");

    public static readonly FinanceBooks Empty = new(StreamId, ImmutableList<ClosedDay>.Empty);

    public ImmutableDictionary<string, Discrepancy> Discrepancies { get; init; } = ImmutableDictionary<string, Discrepancy>.Empty;

    public ClosedDay? LastClosed => ClosedDays.Count == 0 ? null : ClosedDays[^1];

    public bool IsClosed(LocalDate day) => LastClosed is { } last && day <= last.Day && ClosedDays.Any(d => d.Day == day);

    /// <summary>The events of a FinanceBooks's stream: those <see cref="Evolve"/> folds. Its projection takes
    /// only these (a stream of other events is not a FinanceBooks's); keep it beside the switch, a test compares them.
    /// The provider's rows and reports are on the same stream but not folded: what they recorded is kept in documents
    /// keyed by id (<see cref="ProviderTransaction"/>, <see cref="ReportedPayment"/>), so the books do not grow with them.</summary>
    public static readonly IReadOnlyList<Type> EventTypes =
    [
        typeof(DayClosed), typeof(DiscrepancyOpened), typeof(DiscrepancyResolved),
    ];

    public FinanceBooks Evolve(object @event) => @event switch
    {
        DayClosed e => this with { ClosedDays = ClosedDays.Add(new ClosedDay(e.Day, e.UpToSequence, e.Statement.Scheme.ClosingFloatCents)) },
        DiscrepancyOpened e => this with { Discrepancies = Discrepancies.SetItem(e.Discrepancy.Id, e.Discrepancy with { OpenedAt = e.OpenedAt }) },
        DiscrepancyResolved e when Discrepancies.TryGetValue(e.DiscrepancyId, out var d) => this with
        {
            Discrepancies = Discrepancies.SetItem(d.Id, d with { Note = e.Note, ResolvedBy = e.ResolvedBy, ResolvedAt = e.ResolvedAt }),
        },
        _ => this,
    };
}
