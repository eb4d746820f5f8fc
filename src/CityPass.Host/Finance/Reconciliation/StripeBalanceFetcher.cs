using CityPass.Domain.Finance;
using Stripe;

namespace CityPass.Host.Finance.Reconciliation;

/// <summary>
/// Reads Stripe's balance transactions through Stripe.net (when a secret key is configured) into the same rows as the
/// report file, so both paths reconcile alike. The PaymentIntent and charge come from the expanded source.
/// </summary>
public sealed class StripeBalanceFetcher(IServiceProvider services)
{
    private readonly IStripeClient? _client = services.GetService<IStripeClient>();

    public bool IsConfigured => _client is not null;

    public async Task<IReadOnlyList<StripeReportRow>> FetchAsync(Instant from, Instant to, CancellationToken ct)
    {
        var service = new BalanceTransactionService(_client ?? throw new InvalidOperationException("Stripe is not configured."));
        var options = new BalanceTransactionListOptions
        {
            Created = new DateRangeOptions { GreaterThanOrEqual = from.ToDateTimeUtc(), LessThan = to.ToDateTimeUtc() },
            Limit = 100,
            Expand = ["data.source"],
        };
        var rows = new List<StripeReportRow>();
        await foreach (var t in service.ListAutoPagingAsync(options, cancellationToken: ct))
        {
            var (charge, intent) = t.Source switch
            {
                Charge c => (c.Id, c.PaymentIntentId),
                Refund r => (r.ChargeId, r.PaymentIntentId),
                _ => ((string?)null, (string?)null),
            };
            rows.Add(new StripeReportRow(rows.Count + 1, t.Id, Instant.FromDateTimeUtc(DateTime.SpecifyKind(t.Created, DateTimeKind.Utc)),
                Instant.FromDateTimeUtc(DateTime.SpecifyKind(t.AvailableOn, DateTimeKind.Utc)), t.Currency, t.Amount, t.Fee, t.Net,
                t.ReportingCategory, t.SourceId, charge, intent, null, t.Description));
        }
        return rows;
    }
}
