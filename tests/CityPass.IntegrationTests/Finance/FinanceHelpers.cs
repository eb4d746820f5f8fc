using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Host.Finance.Postings;
using CityPass.IntegrationTests.Payments;
using Marten;
using CityPass.Host.Finance;
using Marten.Events;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Finance;

/// <summary>A host of its own (own schema, own clock) for tests that move time forward and close days.</summary>
public sealed class FinanceHost : CityPassHost;

public static class FinanceHelpers
{
    public static readonly DateTimeZone Paris = DateTimeZoneProviders.Tzdb["Europe/Paris"];

    public static Task<HttpClient> Finance(this CityPassHost host) => host.SignedIn(CityPassHost.FinanceEmail, CityPassHost.FinancePassword);

    /// <summary>The ledger is an async projection: wait until it has posted everything committed.</summary>
    public static async Task LedgerCaughtUp(this CityPassHost host)
    {
        if (!await host.Services.GetRequiredService<IDocumentStore>().LedgerCaughtUpAsync(TimeSpan.FromSeconds(60)))
            throw new TimeoutException("The finance ledger did not reach the last committed event within 60 s.");
    }

    public static async Task<TrialBalanceView> TrialBalance(this CityPassHost host)
    {
        await host.LedgerCaughtUp();
        var finance = await host.Finance();
        return (await finance.GetFromJsonAsync<TrialBalanceView>("/finance/trial-balance", Api.Json))!;
    }

    private static long _sequence;

    public static async Task<TapAuthorized> Tap(this CityPassHost host, string uid, string venue)
    {
        var tap = await host.Terminals.Tap($"{venue}-finance-gate", Interlocked.Increment(ref _sequence), uid, venue, host.Clock.GetCurrentInstant());
        var response = await host.TapClient().GetResponse<TapAuthorized, TapDeclined>(tap);
        Assert.True(response.Is(out Response<TapAuthorized>? ok), $"The tap at {venue} was declined.");
        return ok!.Message;
    }

    /// <summary>Moves the host's clock to a local time in Paris (forward only, as time goes).</summary>
    public static void At(this CityPassHost host, LocalDateTime local) => host.Clock.Reset(local.InZoneLeniently(Paris).ToInstant());

    public static void AtUtc(this CityPassHost host, Instant instant) => host.Clock.Reset(instant);
}
