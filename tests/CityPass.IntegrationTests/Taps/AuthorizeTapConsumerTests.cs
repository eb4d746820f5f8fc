using CityPass.Contracts.Terminals;
using CityPass.Host.Infrastructure;
using Marten;
using Marten.Services;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CityPass.IntegrationTests.Taps;

/// <summary>
/// The fast tier: the host's own consumers on MassTransit's in-memory test harness (no broker between the terminal and
/// the consumer), Marten on the real PostgreSQL. A tap is answered in milliseconds, so the consumer's contract (each
/// answer, the fault path) is checked here in seconds; <see cref="AuthorizeTapTests"/> and <see cref="RawAmqpTerminalTests"/>
/// remain the proof over RabbitMQ. Run this tier alone with <c>dotnet test --filter Tier=Fast</c>.
/// </summary>
[Trait("Tier", "Fast")]
[Collection(HarnessCollection.Name)]
public class AuthorizeTapConsumerTests(HarnessHost host)
{
    private readonly HttpClient _http = host.CreateClient();
    private static long _sequence;

    private ITestHarness Harness => host.Services.GetRequiredService<ITestHarness>();

    /// <summary>A signed tap by the venue's own gate (or <paramref name="terminal"/>).</summary>
    private Task<AuthorizeTap> Tap(string uid, string venue, string? terminal = null) =>
        host.Terminals.Tap(terminal ?? $"harness-{venue}-gate", Interlocked.Increment(ref _sequence), uid, venue, host.Clock.GetCurrentInstant());

    /// <summary>A fault answers a request at its response address: sent, not published.</summary>
    private async Task<bool> Faulted(AuthorizeTap tap) =>
        await Harness.Sent.Any<Fault<AuthorizeTap>>(x => x.Context.Message.Message.Sequence == tap.Sequence)
        || await Harness.Published.Any<Fault<AuthorizeTap>>(x => x.Context.Message.Message.Sequence == tap.Sequence);

    private Task<Response<TapAuthorized, TapDeclined>> Send(AuthorizeTap tap) =>
        Harness.GetRequestClient<AuthorizeTap>().GetResponse<TapAuthorized, TapDeclined>(tap);

    [Fact]
    public async Task A_tap_the_balance_covers_is_answered_authorized_with_the_charge_and_the_balance_left()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap(card.Uid, TestCity.Pool);

        var answer = await Send(tap);

        Assert.True(answer.Is(out Response<TapAuthorized>? authorized));
        Assert.Equal((tap.TerminalId, tap.Sequence, card.Uid, 3_50L, 6_50L),
            (authorized!.Message.TerminalId, authorized.Message.Sequence, authorized.Message.CardUid, authorized.Message.ChargedCents, authorized.Message.BalanceCents));
        Assert.True(await Harness.Consumed.Any<AuthorizeTap>(x => x.Context.Message.Sequence == tap.Sequence && x.Exception is null));
        Assert.False(await Faulted(tap));
    }

    [Fact]
    public async Task A_tap_the_balance_does_not_cover_is_answered_declined_with_the_reason_and_the_balance()
    {
        var card = await _http.CardWithBalance(1_00);

        var answer = await Send(await Tap(card.Uid, TestCity.Pool));

        Assert.True(answer.Is(out Response<TapDeclined>? declined));
        Assert.Equal((TapDeclineReason.InsufficientFunds, (long?)1_00), (declined!.Message.Reason, declined.Message.BalanceCents));
        Assert.False(string.IsNullOrWhiteSpace(declined.Message.Message));
    }

    [Fact]
    public async Task An_invalid_request_is_answered_not_faulted()
    {
        var tap = await Tap("not-a-uid", TestCity.Pool);

        var answer = await Send(tap);

        Assert.True(answer.Is(out Response<TapDeclined>? declined));
        Assert.Equal((TapDeclineReason.InvalidRequest, (long?)null), (declined!.Message.Reason, declined.Message.BalanceCents));
        Assert.False(await Faulted(tap));
    }

    [Fact]
    public async Task A_tap_redelivered_is_answered_again_alike_and_charged_once()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap(card.Uid, TestCity.Library);

        var first = await Send(tap);
        var again = await Send(tap);

        Assert.True(first.Is(out Response<TapAuthorized>? one));
        Assert.True(again.Is(out Response<TapAuthorized>? two));
        Assert.Equal(one!.Message, two!.Message);
        Assert.Equal(9_00, (await _http.Card(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_tap_whose_decision_cannot_be_written_faults_and_charges_nothing()
    {
        var card = await _http.CardWithBalance(10_00);
        var tap = await Tap(card.Uid, TestCity.Pool, HarnessHost.UnwritableTerminal);

        var fault = await Assert.ThrowsAsync<RequestFaultException>(() => Send(tap));

        Assert.Contains(fault.Fault!.Exceptions, e => e.Message.Contains(HarnessHost.UnwritableTerminal, StringComparison.Ordinal));
        Assert.True(await Faulted(tap));
        Assert.Equal(10_00, (await _http.Card(card.Id)).BalanceCents);
        Assert.DoesNotContain(await _http.History(card.Id), l => l.Kind == "charged");
    }
}

/// <summary>
/// The host with MassTransit's test harness in place of RabbitMQ (its consumers on the in-memory transport, with their
/// own endpoint settings), and a database that refuses every write of <see cref="UnwritableTerminal"/>'s taps, as a
/// PostgreSQL failing mid-transaction would.
/// </summary>
public sealed class HarnessHost : CityPassHost
{
    public const string UnwritableTerminal = "harness-unwritable-gate";

    protected override void ConfigureMore(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services =>
        {
            services.AddMassTransitTestHarness(bus => bus.UsingInMemory((context, cfg) =>
            {
                cfg.ConfigureJsonSerializerOptions(Json.Configure);
                cfg.ConfigureEndpoints(context);
            }));
            services.ConfigureMarten(o => o.Listeners.Add(new RefuseWritesOf(UnwritableTerminal)));
        });

    private sealed class RefuseWritesOf(string terminalId) : DocumentSessionListenerBase
    {
        public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token) =>
            session.PendingChanges.InsertsFor<CityPass.Host.Taps.TapRecord>().Concat(session.PendingChanges.UpdatesFor<CityPass.Host.Taps.TapRecord>())
                .Any(r => r.TerminalId == terminalId)
                ? throw new InvalidOperationException($"The database refused the taps of {terminalId}.")
                : Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class HarnessCollection : ICollectionFixture<HarnessHost>
{
    public const string Name = "CityPass host on MassTransit's test harness and real PostgreSQL";
}
