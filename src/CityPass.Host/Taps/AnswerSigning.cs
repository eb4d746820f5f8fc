using CityPass.Contracts.Terminals;
using CityPass.Domain.Schemes;
using CityPass.Domain.Security;
using CityPass.Host.Schemes;
using CityPass.Host.Terminals;
using MassTransit;

namespace CityPass.Host.Taps;

/// <summary>
/// What CityPass signs in its answers to terminals (protocol 2): the answer's <see cref="Canonical"/> form, binding the
/// request's <c>requestId</c>, the terminal, the tap's sequence (or the batch) and the decision, so that an answer cannot
/// be forged, nor moved to another request or another tap. docs/terminal-protocol.md, "Signed answers".
/// </summary>
public static class AnswerCanonical
{
    /// <summary>The envelope header that carries the signature: HMAC-SHA256 with the terminal's key, upper-case hex.</summary>
    public const string Header = "CityPass-Signature";

    /// <summary>The request's id as it is echoed in the answer's envelope: lower-case, with hyphens; empty when it had none.</summary>
    public static string RequestId(Guid? requestId) => requestId?.ToString("D") ?? "";

    public static byte[] For(object answer, string requestId) => answer switch
    {
        TapAuthorized a => Canonical.Of(nameof(TapAuthorized)).Add(requestId).Add(a.TerminalId).Add(a.Sequence).Add(a.CardUid).Add(a.RightUsed)
            .Add(a.ProductId).Add(a.ChargedCents).Add(a.BalanceCents).Add(a.EntriesLeft).Add(a.ValidUntil).Add(a.DecidedAt).ToArray(),
        TapDeclined d => Canonical.Of(nameof(TapDeclined)).Add(requestId).Add(d.TerminalId).Add(d.Sequence).Add(d.CardUid).Add(d.Reason.ToString())
            .Add(d.BalanceCents).Add(d.DecidedAt).ToArray(),
        OfflineTapsAccepted o => OfflineCanonical(o, requestId),
        _ => throw new ArgumentException($"{answer.GetType().Name} is not an answer to a terminal.", nameof(answer)),
    };

    private static byte[] OfflineCanonical(OfflineTapsAccepted o, string requestId)
    {
        var canonical = Canonical.Of(nameof(OfflineTapsAccepted)).Add(requestId).Add(o.TerminalId).Add(o.BatchId.ToString("D"))
            .Add(o.Recorded).Add(o.Duplicates).Add(o.Rejected).Add(o.Flagged.Count);
        foreach (var flag in o.Flagged)
            canonical.Add(flag.Sequence).Add(flag.Reason);
        canonical.Add(o.Gaps.Count);
        foreach (var gap in o.Gaps)
            canonical.Add(gap.From).Add(gap.To);
        return canonical.ToArray();
    }

    /// <summary>The terminal whose key signs the answer.</summary>
    public static string? TerminalOf(object answer) => answer switch
    {
        TapAuthorized a => a.TerminalId,
        TapDeclined d => d.TerminalId,
        OfflineTapsAccepted o => o.TerminalId,
        _ => null,
    };
}

/// <summary>
/// Signs every answer to a terminal on its way out, whichever code sent it (a decision, a refusal of a malformed request,
/// a replayed decision): a send filter on the bus. A terminal that is not enrolled, or is decommissioned, has no key to
/// sign with: its answer goes unsigned, and the terminal, which cannot verify it, treats it as no answer.
/// </summary>
public sealed class AnswerSigningFilter<T>(KeyRing keys, SchemeCache schemes, IDocumentStore store) : IFilter<SendContext<T>> where T : class
{
    public async Task Send(SendContext<T> context, IPipe<SendContext<T>> next)
    {
        if (AnswerCanonical.TerminalOf(context.Message) is { } terminalId)
        {
            var scheme = schemes.Latest ?? await CurrentAsync(context.CancellationToken);
            if (scheme.Terminals.GetValueOrDefault(terminalId) is { KeyVersion: > 0, Decommissioned: false } terminal)
                context.Headers.Set(AnswerCanonical.Header, TerminalSignature.Compute(keys.TerminalKey(terminalId, terminal.KeyVersion),
                    AnswerCanonical.For(context.Message, AnswerCanonical.RequestId(context.RequestId))));
        }
        await next.Send(context);
    }

    private async Task<Scheme> CurrentAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await schemes.CurrentAsync(session, ct);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("citypass-answer-signing");
}
