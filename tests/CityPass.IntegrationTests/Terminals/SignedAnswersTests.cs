using System.Text;
using System.Text.Json.Nodes;
using CityPass.Contracts.Terminals;
using CityPass.Domain.Security;
using CityPass.Host.Taps;
using CityPass.TerminalSimulator;
using NodaTime;
using RabbitMQ.Client;

namespace CityPass.IntegrationTests.Terminals;

/// <summary>
/// Whoever holds a broker login can publish into a terminal's reply queue: the sample terminal acts only on answers
/// signed with its own key for its own request (docs/terminal-protocol.md, "Signed answers").
/// </summary>
[Collection(CityPassCollection.Name)]
public class SignedAnswersTests(CityPassHost host)
{
    [Fact]
    public async Task A_forged_answer_is_refused_and_the_genuine_one_accepted()
    {
        var key = await host.Terminals.KeyAsync("signed-answers-1", TestCity.Library);
        await using var terminal = await RawTerminal.ConnectAsync(new Uri(CityPassHost.RabbitMqUri), "signed-answers-1");
        // The tap goes to a queue of the test's (the forger's view of the request), not to CityPass.
        var requests = $"forged-answers-{Guid.NewGuid():N}";
        await using var broker = await host.Broker.ConnectAsync();
        await using var channel = await broker.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(requests, ExchangeType.Fanout, durable: false, autoDelete: true);
        await channel.QueueDeclareAsync(requests, durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(requests, requests, "");
        var chip = await host.Terminals.ChipAsync((await host.CreateClient().IssuedCard()).Uid);

        var tap = terminal.TapAsync(requests, key, "signed-answers-1", 1, chip.Uid, chip, TestCity.Library,
            host.Clock.GetCurrentInstant().ToDateTimeOffset(), TimeSpan.FromSeconds(20));
        var request = await Eventually.FoundAsync(async () => await channel.BasicGetAsync(requests, autoAck: true), "the tap request");
        var envelope = JsonNode.Parse(Encoding.UTF8.GetString(request.Body.Span))!.AsObject();
        var requestId = envelope["requestId"]!.GetValue<string>();
        var answer = new TapAuthorized("signed-answers-1", 1, chip.Uid, "StoredValue", "payg", 0, 99_00, null, null, host.Clock.GetCurrentInstant());

        await Answer(channel, terminal.ReplyQueue, requestId, answer, TerminalSignature.Compute(new byte[32], AnswerCanonical.For(answer, requestId)));
        await Answer(channel, terminal.ReplyQueue, requestId, answer, null);
        var genuineForOtherRequest = TerminalSignature.Compute(key, AnswerCanonical.For(answer, Guid.NewGuid().ToString("D")));
        await Answer(channel, terminal.ReplyQueue, requestId, answer, genuineForOtherRequest);
        await Eventually.Holds(() => terminal.RefusedAnswers == 3, "the three forged answers refused");
        Assert.False(tap.IsCompleted);

        await Answer(channel, terminal.ReplyQueue, requestId, answer, TerminalSignature.Compute(key, AnswerCanonical.For(answer, requestId)));
        Assert.True(RawTerminal.IsAuthorized(await tap));
        Assert.Equal(3, terminal.RefusedAnswers);
    }

    [Fact]
    public async Task CityPass_signs_its_answers_with_the_terminal_s_key()
    {
        var card = await host.CreateClient().CardWithBalance(5_00);
        var tap = await host.Terminals.Tap("signed-answers-2", 1, card.Uid, TestCity.Library, host.Clock.GetCurrentInstant());
        var response = await host.TapClient().GetResponse<TapAuthorized, TapDeclined>(tap);
        Assert.True(response.Is(out MassTransit.Response<TapAuthorized>? authorized));
        var signature = authorized!.Headers.Get<string>(AnswerCanonical.Header);
        var key = await host.Terminals.KeyAsync("signed-answers-2", TestCity.Library);
        Assert.True(TerminalSignature.Verify(key, AnswerCanonical.For(authorized.Message, AnswerCanonical.RequestId(authorized.RequestId)), signature));
        Assert.False(TerminalSignature.Verify(key, AnswerCanonical.For(authorized.Message with { ChargedCents = 0 }, AnswerCanonical.RequestId(authorized.RequestId)), signature));
    }

    private static async Task Answer(IChannel channel, string replyExchange, string requestId, TapAuthorized answer, string? signature)
    {
        var envelope = new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString(),
            ["requestId"] = requestId,
            ["messageType"] = new JsonArray("urn:message:CityPass.Contracts.Terminals:TapAuthorized"),
            ["message"] = System.Text.Json.JsonSerializer.SerializeToNode(answer, Api.Json),
            ["headers"] = signature is null ? new JsonObject() : new JsonObject { [AnswerCanonical.Header] = signature },
        };
        await channel.BasicPublishAsync(replyExchange, "", mandatory: false, new BasicProperties { ContentType = "application/vnd.masstransit+json" },
            Encoding.UTF8.GetBytes(envelope.ToJsonString()));
    }
}
