using System.Net;
using System.Net.Http.Json;
using System.Text;
using CityPass.Host.Terminals;
using CityPass.TerminalSimulator;
using Microsoft.AspNetCore.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace CityPass.IntegrationTests.Terminals;

/// <summary>A host that gives each enrolled terminal a RabbitMQ user of its own, through the management API of the test broker.</summary>
public sealed class BrokerLoginHost : CityPassHost
{
    public const string ManagementUri = "http://guest:guest@127.0.0.1:15672/";

    public string UserPrefix => $"t-{Schema}.";

    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        builder.UseSetting("Terminals:BrokerManagementUri", ManagementUri);
        builder.UseSetting("Terminals:BrokerUserPrefix", UserPrefix);
    }
}

/// <summary>
/// One broker identity per terminal, against the real RabbitMQ (docs/terminal-protocol.md, "Broker logins"): a terminal's
/// login publishes taps and reads its own answers and the deny list, nothing of another terminal's; decommissioning or
/// enrolling again ends the old login.
/// </summary>
public class BrokerLoginTests(BrokerLoginHost host) : IClassFixture<BrokerLoginHost>, IAsyncLifetime
{
    private readonly HttpClient _admin = host.CreateClient();
    private readonly List<string> _users = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        using var management = Management();
        foreach (var user in _users)
            await management.DeleteAsync($"/api/users/{Uri.EscapeDataString(user)}");
    }

    [Fact]
    public async Task A_terminal_taps_with_its_own_login_and_cannot_reach_another_terminal_s_answers()
    {
        var a = await Enrol("login-a");
        var b = await Enrol("login-b");
        var card = await _admin.CardWithBalance(5_00);
        var chip = await host.Terminals.ChipAsync(card.Uid);

        // A's own login: its reply queue declared, a tap published, the signed answer read.
        await using var terminalA = await RawTerminal.ConnectAsync(Login(a), "login-a");
        await using var terminalB = await RawTerminal.ConnectAsync(Login(b), "login-b");
        var reply = await terminalA.TapAsync(host.TapQueue, a.Key, "login-a", 1, card.Uid, chip, TestCity.Library,
            host.Clock.GetCurrentInstant().ToDateTimeOffset(), TimeSpan.FromSeconds(30));
        Assert.True(RawTerminal.IsAuthorized(reply), reply.ToJsonString());
        await terminalA.SubscribeDenyListAsync("citypass-deny-list", _ => Task.CompletedTask);

        // With A's login: B's answers cannot be consumed, nor bound to another queue, nor published into; B's names not declared.
        await using var connection = await new ConnectionFactory { Uri = Login(a) }.CreateConnectionAsync();
        await Refused(connection, c => c.BasicConsumeAsync(terminalB.ReplyQueue, autoAck: true, new AsyncEventingBasicConsumerStub(c)));
        await Refused(connection, async c =>
        {
            var own = (await c.QueueDeclareAsync($"{BrokerAccounts.ReplyQueuePrefix("login-a")}{Guid.NewGuid():N}", false, true, true)).QueueName;
            await c.QueueBindAsync(own, terminalB.ReplyQueue, "");
        });
        await Refused(connection, c => c.QueueDeclareAsync($"{BrokerAccounts.ReplyQueuePrefix("login-b")}{Guid.NewGuid():N}", false, true, true));
        await Refused(connection, async c =>
        {
            await c.BasicPublishAsync(terminalB.ReplyQueue, "", mandatory: false, new BasicProperties(), Encoding.UTF8.GetBytes("{}"));
            await Task.Delay(500); // a refused publish closes the channel asynchronously
            await c.QueueDeclarePassiveAsync(terminalB.ReplyQueue);
        });
    }

    [Fact]
    public async Task Decommissioning_or_enrolling_again_ends_the_old_login()
    {
        var gate = await Enrol("login-c");
        await using var running = await RawTerminal.ConnectAsync(Login(gate), "login-c");
        var again = await Enrol("login-c");
        await Eventually.Holds(() => !running.IsOpen, "the connection of the previous key's login closed");
        await Assert.ThrowsAsync<BrokerUnreachableException>(() => new ConnectionFactory { Uri = Login(gate) }.CreateConnectionAsync());

        await using var current = await RawTerminal.ConnectAsync(Login(again), "login-c");
        var decommissioned = await _admin.PostAsJsonAsync("/terminals/login-c/decommission", new { reason = "stolen" });
        Assert.Equal(HttpStatusCode.OK, decommissioned.StatusCode);
        await Eventually.Holds(() => !current.IsOpen, "the decommissioned terminal's connection closed");
        await Assert.ThrowsAsync<BrokerUnreachableException>(() => new ConnectionFactory { Uri = Login(again) }.CreateConnectionAsync());
    }

    private async Task<TerminalEnrolment> Enrol(string terminalId)
    {
        (await _admin.PutAsJsonAsync($"/scheme/terminals/{terminalId}", new { venueId = TestCity.Library })).EnsureSuccessStatusCode();
        var response = await _admin.PostAsync($"/terminals/{terminalId}/enrol", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var credentials = (await response.Content.ReadFromJsonAsync<TerminalCredentials>(Api.Json))!;
        Assert.NotNull(credentials.Broker);
        Assert.Equal(host.UserPrefix + terminalId, credentials.Broker.Username);
        _users.Add(credentials.Broker.Username);
        return new TerminalEnrolment(terminalId, credentials.KeyVersion, Convert.FromBase64String(credentials.Key), credentials.DenyListPublicKey,
            credentials.Broker.Username, credentials.Broker.Password);
    }

    private static Uri Login(TerminalEnrolment enrolment) => enrolment.Broker(new Uri(CityPassHost.RabbitMqUri));

    /// <summary>The operation is refused by the broker (403 ACCESS_REFUSED), which closes the channel it was tried on.</summary>
    private static async Task Refused(IConnection connection, Func<IChannel, Task> operation)
    {
        await using var channel = await connection.CreateChannelAsync();
        var refusal = await Assert.ThrowsAnyAsync<Exception>(() => operation(channel));
        Assert.True(refusal is OperationInterruptedException or AlreadyClosedException, refusal.ToString());
        Assert.Equal((ushort)403, channel.CloseReason?.ReplyCode);
    }

    private static HttpClient Management()
    {
        var uri = new Uri(BrokerLoginHost.ManagementUri);
        var http = new HttpClient { BaseAddress = new Uri($"{uri.Scheme}://{uri.Authority}") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(uri.UserInfo)));
        return http;
    }

    private sealed class AsyncEventingBasicConsumerStub(IChannel channel) : AsyncDefaultBasicConsumer(channel);
}
