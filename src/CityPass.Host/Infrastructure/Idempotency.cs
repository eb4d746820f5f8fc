namespace CityPass.Host.Infrastructure;

/// <summary>
/// An Idempotency-Key, scoped to one kind of write, and what the request asked (its fingerprint): the same key with
/// another request is refused, a repeat is answered as the first was and marked replayed.
/// </summary>
public sealed record Idempotency(string Scope, string Key, string Fingerprint)
{
    public const int MaxKeyLength = 200;

    public const string ReplayedHeader = "Idempotent-Replayed";

    public string RecordId => $"{Scope}/{Key}";

    /// <param name="promise">What the key buys the client, said in the refusal.</param>
    public static ProblemHttpResult? Check(string? key, string promise = "a retried request is applied once") =>
        string.IsNullOrWhiteSpace(key) || key.Length > MaxKeyLength
            ? Problems.BadRequest("Missing Idempotency-Key",
                $"Send an Idempotency-Key header (1 to {MaxKeyLength} characters) so that {promise}.")
            : null;

    /// <param name="firstRequest">What the key was first used for.</param>
    public static ProblemHttpResult Reused(string key, string firstRequest) =>
        Problems.Unprocessable("Idempotency-Key reused", $"The key '{key}' was already used for {firstRequest}.");

    public static void MarkReplayed(HttpResponse response) => response.Headers[ReplayedHeader] = "true";
}
