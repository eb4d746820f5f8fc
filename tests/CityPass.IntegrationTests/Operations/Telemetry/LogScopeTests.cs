using System.Collections.Concurrent;
using CityPass.Contracts.Terminals;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CityPass.IntegrationTests.Operations.Telemetry;

/// <summary>A host whose log lines, with their scopes, are kept for the test to read.</summary>
public sealed class LoggedHost : CityPassHost
{
    public ConcurrentQueue<(string Category, string Message, IReadOnlyDictionary<string, object?> Scope)> Lines { get; } = new();

    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        builder.UseSetting("Logging:LogLevel:CityPass", "Debug");
        builder.ConfigureTestServices(services => services.AddSingleton<ILoggerProvider>(new Recorder(Lines)));
    }

    private sealed class Recorder(ConcurrentQueue<(string, string, IReadOnlyDictionary<string, object?>)> lines) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(string category, Recorder recorder) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => recorder._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, object?>();
                recorder._scopes.ForEachScope((s, into) =>
                {
                    if (s is IEnumerable<KeyValuePair<string, object?>> pairs)
                        foreach (var (key, value) in pairs)
                            into[key] = value;
                }, scope);
                recorder.Lines.Enqueue((category, formatter(state, exception), scope));
            }
        }

        private ConcurrentQueue<(string, string, IReadOnlyDictionary<string, object?>)> Lines => lines;
    }
}

/// <summary>Log lines written while a tap is handled carry its terminal, sequence, card UID, correlation id and trace.</summary>
public class LogScopeTests : IAsyncLifetime
{
    private readonly LoggedHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_tap_s_log_lines_carry_its_terminal_card_and_correlation_id()
    {
        var card = await _host.CreateClient().CardWithBalance(10_00);
        var terminal = $"logs-{Guid.NewGuid():N}"[..20];
        var tap = await _host.Terminals.Tap(terminal, 7, card.Uid, TestCity.Pool, _host.Clock.GetCurrentInstant());
        var reply = await _host.TapClient().GetResponse<TapAuthorized, TapDeclined>(tap);
        Assert.True(reply.Is(out Response<TapAuthorized>? _));
        var requestId = reply.RequestId; // the request's id, which the reply carries back
        Assert.NotNull(requestId);

        var line = Assert.Single(_host.Lines, l => l.Message.StartsWith("Tap authorized", StringComparison.Ordinal) && Equals(l.Scope.GetValueOrDefault("TerminalId"), terminal));
        Assert.Equal(7L, line.Scope["Sequence"]);
        Assert.Equal(card.Uid, line.Scope["CardUid"]);
        Assert.Equal(requestId, line.Scope["CorrelationId"]);
        Assert.False(string.IsNullOrEmpty(line.Scope["TraceId"] as string));
        // No cardholder's personal data in a scope: the card UID is the only card field.
        Assert.DoesNotContain(line.Scope.Keys, k => k.Contains("Email", StringComparison.OrdinalIgnoreCase) || k.Contains("Name", StringComparison.OrdinalIgnoreCase));
    }
}
