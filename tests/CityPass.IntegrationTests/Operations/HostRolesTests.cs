using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CityPass.Contracts.Terminals;
using CityPass.Host.Infrastructure;
using CityPass.Host.Taps;
using CityPass.Host.Terminals;
using CityPass.IntegrationTests.Finance;
using CityPass.TerminalSimulator;
using Marten;
using Marten.Events;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace CityPass.IntegrationTests.Operations;

/// <summary>Another instance on the same schema and clock as <paramref name="first"/>, with only <paramref name="roles"/>.</summary>
public sealed class RoleHost(CityPassHost first, string roles, string? tapQueue = null) : CityPassHost(first)
{
    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        builder.UseSetting("Roles", roles);
        if (tapQueue is not null)
            builder.UseSetting("Terminals:TapQueue", tapQueue);
    }

    public async Task StartAsync()
    {
        StartServer();
        await Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
    }
}

/// <summary>A host of its own (schema, queues, clock) with the terminals' path and the API but no background work.</summary>
public sealed class TapsAndApiHost : CityPassHost
{
    protected override void ConfigureMore(IWebHostBuilder builder) => builder.UseSetting("Roles", "taps,api");
}

/// <summary>
/// One binary, roles by configuration (<c>Roles</c>, docs/operations.md): a taps-only instance answers taps and serves
/// no pages; a background-only instance advances the finance ledger and relays the deny list; together a taps-and-API
/// instance and a background instance do what one full host does.
/// </summary>
[Collection(CityPassCollection.Name)]
public class HostRolesTests(CityPassHost host)
{
    private readonly HttpClient _http = host.CreateClient();

    [Fact]
    public async Task A_taps_only_host_answers_taps_and_serves_no_pages()
    {
        // Its own tap queue, so that the answer can only come from it (the full host consumes the shared one).
        var queue = $"{host.TapQueue}-taps-only";
        await using var taps = new RoleHost(host, "taps", queue);
        await taps.StartAsync();
        try
        {
            var card = await _http.CardWithBalance(10_00);
            var tap = await host.Terminals.Tap("taps-only-gate", 1, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant());
            var answer = await host.Services.GetRequiredService<IBus>().CreateRequestClient<AuthorizeTap>(new Uri($"queue:{queue}"), RequestTimeout.After(s: 30))
                .GetResponse<TapAuthorized, TapDeclined>(tap);
            Assert.IsType<TapAuthorized>(answer.Message);

            var http = taps.Anonymous();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
            foreach (var page in new[] { "/", "/portal", "/finance", "/admin", "/swagger", $"/cards/{card.Id}", "/scheme", "/venues", "/account/login" })
                Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(page)).StatusCode);
            // The terminals' own HTTP stays: the deny list, for a terminal's signed call (anonymous: 401, not 404).
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/deny-list?since=0")).StatusCode);
            var signer = new CityPass.TerminalSimulator.TerminalHttpSigner("taps-only-gate", await host.Terminals.KeyAsync("taps-only-gate", TestCity.Library),
                clock: () => host.Clock.GetCurrentInstant().ToDateTimeOffset());
            Assert.Equal(HttpStatusCode.OK, (await taps.CreateDefaultClient(signer).GetAsync("/deny-list?since=0")).StatusCode);

            var work = taps.Services.GetServices<IHostedService>().Select(s => s.GetType()).ToList();
            Assert.Contains(typeof(TapBatcher), work);
            Assert.DoesNotContain(typeof(DenyListRelay), work);
            Assert.Equal("taps", taps.Services.GetRequiredService<HostRoles>().ToString());
        }
        finally
        {
            await using var rabbit = await host.Broker.ConnectAsync();
            await using var channel = await rabbit.CreateChannelAsync();
            foreach (var name in new[] { queue, queue + "_error", queue + "_skipped" })
            {
                await channel.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false);
                await channel.ExchangeDeleteAsync(name);
            }
        }
    }

    [Fact]
    public void Roles_are_read_from_configuration_and_default_to_all()
    {
        static HostRoles Of(string? value) => HostRoles.From(new ConfigurationBuilder().AddInMemoryCollection(
            value is null ? [] : [new KeyValuePair<string, string?>("Roles", value)]).Build());
        Assert.Equal("taps,api,background", Of(null).ToString());
        Assert.Equal("taps,api,background", Of("all").ToString());
        Assert.Equal("taps,background", Of(" Background , taps").ToString());
        Assert.Throws<InvalidOperationException>(() => Of("taps,pages"));
        Assert.Throws<InvalidOperationException>(() => Of("7"));
    }
}

/// <summary>A taps-and-API instance alone leaves the ledger where it is; a background instance beside it advances it.</summary>
public class HostRolesPairTests : IClassFixture<TapsAndApiHost>
{
    private readonly TapsAndApiHost _host;
    private readonly HttpClient _http;

    public HostRolesPairTests(TapsAndApiHost host) => (_host, _http) = (host, host.CreateClient());

    [Fact]
    public async Task A_background_host_beside_a_taps_and_api_host_makes_one_full_host()
    {
        var store = _host.Services.GetRequiredService<IDocumentStore>();
        var card = await _http.CardWithBalance(10_00);
        var tap = await _host.Terminals.Tap("pair-gate", 1, card.Uid, TestCity.Pool, _host.Clock.GetCurrentInstant());
        Assert.IsType<TapAuthorized>(await _host.Decide(tap));
        // No instance has the background role yet: the ledger does not move.
        await Assert.ThrowsAsync<TimeoutException>(() => store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(3)));

        var pushes = new ConcurrentBag<string>();
        await using var terminal = await RawTerminal.ConnectAsync(new Uri(CityPassHost.RabbitMqUri), $"pair-{Guid.NewGuid():N}");
        await terminal.SubscribeDenyListAsync("citypass-deny-list", change =>
        {
            foreach (var entry in change["changes"]!.AsArray())
                pushes.Add(entry!["cardUid"]!.GetValue<string>());
            return Task.CompletedTask;
        });

        await using var background = new RoleHost(_host, "background");
        await background.StartAsync();
        Assert.Contains(typeof(DenyListRelay), background.Services.GetServices<IHostedService>().Select(s => s.GetType()));

        // The ledger posts the load and the fare: the trial balance, read through the API instance, shows them.
        var balance = await _host.TrialBalance();
        Assert.Equal(10_00 - 3_50, balance.StoredValueLiabilityCents);
        Assert.Equal(balance.CardBalancesCents, balance.StoredValueLiabilityCents);

        // A block at the desk (API instance) reaches the terminals through the relay (background instance).
        (await _http.PostAsJsonAsync($"/cards/{card.Id}/block", new { reason = "stolen" })).EnsureSuccessStatusCode();
        await Eventually.Holds(() => pushes.Contains(card.Uid), "the block pushed to the terminal by the background instance");
    }
}
