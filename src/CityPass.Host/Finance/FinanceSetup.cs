using CityPass.Domain.Finance;
using CityPass.Host.Finance.Closing;
using CityPass.Host.Finance.Pages;
using CityPass.Host.Finance.Postings;
using CityPass.Host.Finance.Reconciliation;
using CityPass.Host.Finance.Settlement;
using JasperFx.Events.Projections;

namespace CityPass.Host.Finance;

/// <summary>Section <c>Finance</c>: commissions per operator and how long a close waits for the ledger to catch up.</summary>
public sealed class FinanceOptions
{
    /// <summary>The scheme's commission on an operator's redemptions, in basis points (100 = 1 %), unless the operator has its own.</summary>
    public int DefaultCommissionBasisPoints { get; set; }

    /// <summary>Agreed commissions by operator id, in basis points.</summary>
    public Dictionary<string, int> CommissionBasisPoints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long a close waits for the async ledger to reach the events already committed; later ones become adjustments.</summary>
    public int CloseWaitSeconds { get; set; } = 15;

    public int CommissionFor(string operatorId) => CommissionBasisPoints.TryGetValue(operatorId, out var bp) ? bp : DefaultCommissionBasisPoints;
}

/// <summary>
/// Finance: the double-entry ledger (an async projection of every money-moving event), daily closes, settlements per
/// operator, reconciliation against the payment provider, and the finance pages. Everything needs the finance role.
/// </summary>
public static class FinanceSetup
{
    public static IServiceCollection AddCityPassFinance(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<FinanceOptions>(configuration.GetSection("Finance"));
        services.AddSingleton<StripeBalanceFetcher>();
        services.ConfigureMarten(o =>
        {
            // Finance read models are async (DESIGN.md): a tap never waits for the ledger; the daemon follows the event log in order.
            o.Projections.Add<LedgerProjection>(ProjectionLifecycle.Async);
            o.Schema.For<LedgerEntry>().Identity(e => e.Id).Index(e => e.DayNumber).Index(e => e.Kind)
                // Reconciliation finds a report's loads of other days by reference: loads only, not every tap's entry.
                .Index(e => e.Reference!, i => i.Predicate = LoadReferencePredicate);
            // The books (closes, imports, discrepancies) are decided on: their state is inline, like a card's.
            o.Projections.Add<BooksProjection>(ProjectionLifecycle.Inline);
            o.Schema.For<ClosedDayStatement>();
            // What imports recorded, by id (not in the books document, which would grow with every provider transaction);
            // written by the import itself, set-based, in its transaction (ProviderRecords).
            o.Schema.For<ProviderTransaction>();
            o.Schema.For<ReportedPayment>();
            o.Schema.For<FinanceMigration>();
            // HotCold elects one daemon per lock id and database: one per schema, so that test runs and instances of
            // other schemas in the same database never wait for each other's lock.
            o.Projections.DaemonLockId = StableLockId(o.DatabaseSchemaName);
        });
        return services;
    }

    public const string LoadReferencePredicate = "(data ->> 'kind') = 'load'";

    public static void MapFinance(this WebApplication app)
    {
        app.MapTrialBalance();
        app.MapDays();
        app.MapSettlements();
        app.MapReconciliation();
        app.MapFinancePages();
    }

    private static int StableLockId(string schema)
    {
        var hash = 17;
        foreach (var c in "citypass-finance:" + schema)
            hash = unchecked(hash * 31 + c);
        return hash & 0x3fffffff;
    }
}
