using System.Net;

namespace CityPass.Host.Payments.Sandbox;

/// <summary>
/// The sandbox's page where a holder saves a test card for automatic reloading (what Stripe.js does with a SetupIntent's
/// client secret): the SetupIntent succeeds and names the saved method. Mapped only while no Stripe key is configured.
/// </summary>
public static class SandboxSetup
{
    /// <summary>Stripe's test cards for saved methods: off-session payments succeed, are declined, or ask for authentication.</summary>
    public const string PayingCard = "4242424242424242";
    public const string DecliningCard = "4000000000000341";
    public const string AuthenticationCard = "4000002760003184";

    public static string UrlFor(string setupIntentId, string? clientSecret) =>
        $"/sandbox/setup/{setupIntentId}?client_secret={Uri.EscapeDataString(clientSecret ?? "")}";

    public static void MapSandboxSetup(this IEndpointRouteBuilder app)
    {
        var sandbox = app.MapGroup("/sandbox").WithTags("Sandbox payments");
        sandbox.MapGet("/setup/{setupIntentId}", Page).WithName("SandboxSetupPage").AllowAnonymous()
            .WithSummary("Sandbox, anyone with the client secret: the page where a test card is saved for automatic reloading.");
        sandbox.MapPost("/setup/{setupIntentId}", Save).WithName("SandboxSaveCard").AllowAnonymous()
            .WithSummary($"Sandbox, anyone with the client secret: save a test card (form fields client_secret, card_number; {PayingCard} pays "
                + $"off-session, {DecliningCard} is declined, {AuthenticationCard} asks for authentication).");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Page(
        string setupIntentId, string? client_secret, IQuerySession session, CancellationToken ct)
    {
        if (await Find(session, setupIntentId, client_secret, ct) is not { } seti)
            return Unknown(setupIntentId);
        var body = seti.Status == "succeeded"
            ? "<p>A card is already saved with this setup.</p>"
            : $"""
              <form method="post" action="/sandbox/setup/{E(seti.Id)}">
                <input type="hidden" name="client_secret" value="{E(seti.ClientSecret)}">
                <label>Card number <input name="card_number" value="4242 4242 4242 4242" autocomplete="off"></label>
                <button type="submit">Save this card for automatic reloads</button>
              </form>
              <p>Test cards: {PayingCard} pays, {DecliningCard} is declined, {AuthenticationCard} asks for authentication. No real money moves.</p>
              """;
        return TypedResults.Content($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>CityPass sandbox: save a card</title></head>
            <body><h1>Save a card for automatic reloads</h1><p>Sandbox setup {E(seti.Id)}</p>{body}</body></html>
            """, "text/html; charset=utf-8");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Save(
        string setupIntentId, HttpRequest request, IDocumentStore store, CancellationToken ct)
    {
        if (!request.HasFormContentType)
            return Problems.BadRequest("Not a form", "Post the setup form (client_secret, card_number).");
        var form = await request.ReadFormAsync(ct);
        var cardNumber = new string(form["card_number"].ToString().Where(char.IsDigit).ToArray());
        string? failure = cardNumber switch
        {
            PayingCard => null,
            DecliningCard => "card_declined",
            AuthenticationCard => "authentication_required",
            _ => "unknown",
        };
        if (failure == "unknown")
            return Problems.BadRequest("Unknown test card", $"Use {PayingCard}, {DecliningCard} or {AuthenticationCard}.");
        var secret = form["client_secret"].ToString();
        var saved = await store.WriteAsync<SandboxSetupIntent?>(async (session, token) =>
        {
            if (await Find(session, setupIntentId, secret, token) is not { } seti)
                return null;
            if (seti.Status == "succeeded")
                return seti;
            var method = new SandboxPaymentMethod("pm_sandbox_" + seti.Id["seti_sandbox_".Length..], seti.CustomerId, cardNumber[^4..], failure, true);
            session.Store(method);
            var succeeded = seti with { Status = "succeeded", PaymentMethodId = method.Id };
            session.Store(succeeded);
            return succeeded;
        }, ct);
        if (saved is null)
            return Unknown(setupIntentId);
        return TypedResults.Content($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Card saved</title></head>
            <body><h1>Card saved</h1><p>Card ending {E(cardNumber[^4..])} is saved ({E(saved.PaymentMethodId ?? "")}). Back in the app, choose
            when to reload.</p></body></html>
            """, "text/html; charset=utf-8");
    }

    private static async Task<SandboxSetupIntent?> Find(IQuerySession session, string id, string? clientSecret, CancellationToken ct) =>
        await session.LoadAsync<SandboxSetupIntent>(id, ct) is { } seti && seti.ClientSecret == clientSecret ? seti : null;

    private static ProblemHttpResult Unknown(string id) =>
        Problems.NotFound("Unknown setup", $"No sandbox SetupIntent {id} with that client secret.");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
