using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace CityPass.IntegrationTests;

/// <summary>One mail as the SMTP server received it: the envelope's recipients, the parsed message, its text.</summary>
public sealed record ReceivedMail(IReadOnlyList<string> Recipients, MimeMessage Message)
{
    public string Subject => Message.Subject ?? "";
    public string Body => Message.TextBody ?? "";
    public string? Language => Message.Body?.Headers["Content-Language"];

    /// <summary>The first link in the body whose path starts with <paramref name="path"/>, as an absolute URI.</summary>
    public Uri? Link(string path) =>
        Regex.Matches(Body, @"https?://\S+").Select(m => new Uri(m.Value)).FirstOrDefault(u => u.AbsolutePath.StartsWith(path, StringComparison.Ordinal));
}

/// <summary>
/// The test host's outgoing mail, received by a real SMTP server (the SmtpServer package) on 127.0.0.1, on a free port the
/// host is pointed at (<c>Mail:Host</c>, <c>Mail:Port</c>). The host sends from its outbox after the request, so readers
/// wait for a mail (briefly, polling) rather than expect it at once. <see cref="StopAsync"/> and <see cref="Start"/> take
/// the server down and bring it back on the same port, as a relay outage.
/// </summary>
public sealed class TestMailbox : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(15);

    private readonly ConcurrentQueue<ReceivedMail> _received = new();
    private SmtpServer.SmtpServer? _server;
    private CancellationTokenSource? _stop;
    private Task? _running;

    public TestMailbox()
    {
        Port = FreePort();
        Start();
    }

    public int Port { get; }

    public bool Running => _server is not null;

    /// <summary>Every mail received so far, oldest first.</summary>
    public IReadOnlyList<ReceivedMail> All => _received.ToArray();

    /// <summary>The mails received so far for <paramref name="email"/>, oldest first.</summary>
    public IReadOnlyList<ReceivedMail> To(string email) =>
        _received.Where(m => m.Recipients.Contains(email, StringComparer.OrdinalIgnoreCase)).ToList();

    /// <summary>Waits for the <paramref name="count"/>-th mail to <paramref name="email"/> that <paramref name="which"/> accepts, and returns it.</summary>
    public Task<ReceivedMail> WaitForAsync(string email, Func<ReceivedMail, bool>? which = null, int count = 1, TimeSpan? within = null) =>
        Eventually.Found(() => To(email).Where(which ?? (_ => true)).Skip(count - 1).FirstOrDefault(),
            $"mail number {count} to {email}", within ?? DefaultWait);

    /// <summary>The path and query of the portal's confirmation link in the last confirmation mail to <paramref name="email"/> (waits for one).</summary>
    public string ConfirmationLink(string email) =>
        Latest(email, "/portal/confirm-email", DefaultWait)?.PathAndQuery
        ?? throw new InvalidOperationException($"No confirmation link was sent to {email} within {DefaultWait.TotalSeconds} s.");

    /// <summary>The code of the portal's reset link in the last password-reset mail to <paramref name="email"/>; null when none came.</summary>
    public string? ResetCode(string email) =>
        Latest(email, "/portal/reset-password", DefaultWait) is { } link
            ? System.Web.HttpUtility.ParseQueryString(link.Query)["code"]
            : null;

    private Uri? Latest(string email, string path, TimeSpan within)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (To(email).Select(m => m.Link(path)).LastOrDefault(l => l is not null) is { } link)
                return link;
            if (waited.Elapsed > within)
                return null;
            Thread.Sleep(50);
        }
    }

    public void Start()
    {
        if (_server is not null)
            return;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("mail.citypass.test")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(_received));
        _server = new SmtpServer.SmtpServer(options, services);
        _stop = new CancellationTokenSource();
        _running = _server.StartAsync(_stop.Token);
    }

    /// <summary>Takes the server down: connections to its port are refused until <see cref="Start"/>.</summary>
    public async Task StopAsync()
    {
        if (_server is null)
            return;
        _server.Shutdown();
        await _stop!.CancelAsync();
        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _server = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Store(ConcurrentQueue<ReceivedMail> received) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken ct)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, ct);
            received.Enqueue(new ReceivedMail(transaction.To.Select(m => $"{m.User}@{m.Host}").ToList(), message));
            return SmtpResponse.Ok;
        }
    }
}
