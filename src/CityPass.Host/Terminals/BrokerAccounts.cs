using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Terminals;

/// <summary>A terminal's own RabbitMQ login, handed over at enrolment with its key.</summary>
/// <param name="Password">Derived from the terminal's key (HMAC-SHA256(K_term, "citypass-broker-v1"), base64url): stored nowhere,
/// changed by every enrolment.</param>
/// <param name="ReplyQueuePrefix">The only names this login may declare: its reply exchange and queues start with it.</param>
public sealed record BrokerCredentials(string Username, string Password, string VirtualHost, string ReplyQueuePrefix);

/// <summary>
/// One RabbitMQ user per enrolled terminal, through the management HTTP API (<c>Terminals:BrokerManagementUri</c>, a login
/// with the <c>administrator</c> tag): it may publish to the tap, offline-upload and heartbeat exchanges, declare and read
/// its own reply exchange and queues (<c>citypass-terminal:&lt;id&gt;:…</c>) and bind a queue of its own to the deny list;
/// nothing else, so it can neither read another terminal's answers nor publish into its reply queue. Enrolling again
/// changes the password and closes the old login's connections; decommissioning deletes the user and closes them.
/// Without a management URI (a laptop without the plugin) terminals share the host's login, as in protocol 1.
/// </summary>
public sealed partial class BrokerAccounts(
    IOptions<TerminalOptions> options, IConfiguration configuration, KeyRing keys, IHostEnvironment environment, TimeProvider time,
    ILogger<BrokerAccounts> logger)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public const string ReplyPrefix = "citypass-terminal:";

    public bool Enabled => !string.IsNullOrWhiteSpace(options.Value.BrokerManagementUri);

    public string Username(string terminalId) => options.Value.BrokerUserPrefix + terminalId;

    public static string ReplyQueuePrefix(string terminalId) => $"{ReplyPrefix}{terminalId}:";

    public static string Password(byte[] terminalKey) =>
        Convert.ToBase64String(HMACSHA256.HashData(terminalKey, "citypass-broker-v1"u8)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private string VirtualHost => configuration.RabbitMqUri().AbsolutePath.Trim('/') is { Length: > 0 } vhost ? Uri.UnescapeDataString(vhost) : "/";

    /// <summary>Creates or re-keys the terminal's user and sets its permissions; null when per-terminal logins are off.</summary>
    public async Task<BrokerCredentials?> ProvisionAsync(string terminalId, int keyVersion, CancellationToken ct)
    {
        if (!Enabled)
            return null;
        var user = Username(terminalId);
        var password = Password(keys.TerminalKey(terminalId, keyVersion));
        try
        {
            await CallAsync(HttpMethod.Put, $"users/{Escape(user)}", new { password, tags = "" }, ct);
        }
        catch (BrokerAccountException e) when (e.InnerException is HttpRequestException && environment.IsDevelopment())
        {
            // ./run.sh on a machine whose RabbitMQ has no management plugin: the terminal shares the host's login.
            NoManagementApi(logger, terminalId, e.Message);
            return null;
        }
        var terminals = options.Value;
        var own = Regex.Escape(ReplyQueuePrefix(terminalId)) + "[^:]*";
        await CallAsync(HttpMethod.Put, $"permissions/{Escape(VirtualHost)}/{Escape(user)}", new
        {
            configure = $"^{own}$",
            write = $"^({own}|{Regex.Escape(terminals.TapQueue)}|{Regex.Escape(terminals.OfflineTapQueue)}|{Regex.Escape(terminals.HeartbeatQueue)})$",
            read = $"^({own}|{Regex.Escape(Contracts.Terminals.TerminalQueues.DenyList)})$",
        }, ct);
        await CloseConnectionsAsync(user, ct); // the previous key's password opened them
        Provisioned(logger, user);
        return new BrokerCredentials(user, password, VirtualHost, ReplyQueuePrefix(terminalId));
    }

    /// <summary>Deletes the terminal's user and closes its connections (decommissioning).</summary>
    public async Task RevokeAsync(string terminalId, CancellationToken ct)
    {
        if (!Enabled)
            return;
        var user = Username(terminalId);
        await CallAsync(HttpMethod.Delete, $"users/{Escape(user)}", null, ct, notFoundIsFine: true);
        await CloseConnectionsAsync(user, ct);
        Revoked(logger, user);
    }

    /// <summary>
    /// Closes the connections the user opened until now. At once, every connection the broker tracks for the user
    /// (<c>DELETE /api/connections/username/{user}</c>: the broker's own connection tracking, immediate, cluster-wide) — all
    /// of them were opened with the previous password or before the user was deleted, since nobody has the new password
    /// until this returns. Then, as a backstop for a connection whose login was finishing meanwhile, the statistics listing
    /// is swept again in the background for a while: it lists a connection only after a statistics round (5 s by default,
    /// far more on a loaded broker: a 10-second wait on it failed under load), and it spares a connection opened after this
    /// call (with the new password).
    /// </summary>
    private async Task CloseConnectionsAsync(string user, CancellationToken ct)
    {
        var until = time.GetUtcNow().ToUnixTimeMilliseconds();
        await CallAsync(HttpMethod.Delete, $"connections/username/{Escape(user)}", null, ct, notFoundIsFine: true);
        _ = Task.Run(async () =>
        {
            foreach (var delay in SweepDelays)
            {
                await Task.Delay(delay, CancellationToken.None);
                try
                {
                    await SweepAsync(user, until, CancellationToken.None);
                }
                catch (Exception e) when (e is BrokerAccountException or HttpRequestException or TaskCanceledException)
                {
                    SweepFailed(logger, user, e.Message);
                }
            }
        }, CancellationToken.None);
    }

    private static readonly TimeSpan[] SweepDelays = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6)];

    private async Task SweepAsync(string user, long openedUntil, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, "connections?columns=name,user,connected_at", null, ct);
        response.EnsureSuccessStatusCode();
        var connections = await response.Content.ReadFromJsonAsync<List<ConnectionRow>>(ct) ?? [];
        foreach (var connection in connections.Where(c => c.User == user && c.ConnectedAt <= openedUntil))
            await CallAsync(HttpMethod.Delete, $"connections/{Escape(connection.Name)}", null, ct, notFoundIsFine: true);
    }

    private sealed record ConnectionRow(string Name, string User, [property: System.Text.Json.Serialization.JsonPropertyName("connected_at")] long ConnectedAt);

    private async Task CallAsync(HttpMethod method, string path, object? body, CancellationToken ct, bool notFoundIsFine = false)
    {
        using var response = await SendAsync(method, path, body, ct);
        if (response.IsSuccessStatusCode || (notFoundIsFine && response.StatusCode == System.Net.HttpStatusCode.NotFound))
            return;
        throw new BrokerAccountException($"RabbitMQ's management API answered {(int)response.StatusCode} to {method} /api/{path}.");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var management = new Uri(options.Value.BrokerManagementUri);
        using var request = new HttpRequestMessage(method, new Uri(management, "/api/" + path));
        if (management.UserInfo.Split(':', 2) is [var name, var secret])
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.UnescapeDataString(name)}:{Uri.UnescapeDataString(secret)}")));
        if (body is not null)
            request.Content = JsonContent.Create(body);
        try
        {
            return await Http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new BrokerAccountException($"RabbitMQ's management API does not answer ({e.Message}).", e);
        }
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker user {User} provisioned (earlier connections closed)")]
    private static partial void Provisioned(ILogger logger, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Terminal {TerminalId} gets no broker login of its own (Development): {Reason}")]
    private static partial void NoManagementApi(ILogger logger, string terminalId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker user {User}: its earlier connections could not be listed or closed: {Reason}")]
    private static partial void SweepFailed(ILogger logger, string user, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker user {User} deleted and its connections closed")]
    private static partial void Revoked(ILogger logger, string user);
}

public sealed class BrokerAccountException(string message, Exception? inner = null) : Exception(message, inner);
