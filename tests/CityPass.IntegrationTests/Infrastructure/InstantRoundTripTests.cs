using CityPass.Contracts.Terminals;
using CityPass.Domain;
using CityPass.Domain.Cards;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CityPass.IntegrationTests.Infrastructure;

/// <summary>Without NodaTime-aware JSON, an Instant silently comes back as 1970-01-01: these prove it survives.</summary>
[Collection(CityPassCollection.Name)]
public class InstantRoundTripTests(CityPassHost host)
{
    [Fact]
    public async Task An_instant_survives_a_round_trip_through_Marten()
    {
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var when = Instant.FromUtc(2026, 3, 29, 0, 59, 59) + Duration.FromTicks(1234567); // an hour before Paris moves to summer time
        var id = Guid.NewGuid();
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream<Card>(id, new CardIssued(id, Given.NewUid(), when));
            await session.SaveChangesAsync();
        }

        await using var query = store.QuerySession();
        var stored = Assert.IsType<CardIssued>(Assert.Single(await query.Events.FetchStreamAsync(id)).Data);
        Assert.Equal(when, stored.IssuedAt);
        Assert.Equal(when, (await query.LoadAsync<Card>(id))!.IssuedAt);
    }

    [Fact]
    public async Task An_instant_survives_a_round_trip_through_MassTransit_into_Marten_and_back()
    {
        var http = host.CreateClient();
        var card = await http.CardWithBalance(10_00);
        var terminalTime = host.Clock.GetCurrentInstant() - Duration.FromMilliseconds(375);
        var before = host.Clock.GetCurrentInstant();

        var response = await host.TapClient().GetResponse<TapAuthorized>(
            await host.Terminals.Tap("parking-exit-1", 1, card.Uid, TestCity.Parking, terminalTime));

        var decidedAt = response.Message.DecidedAt;
        Assert.InRange(decidedAt, before, host.Clock.GetCurrentInstant());
        await using var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var charge = (await query.Events.FetchStreamAsync(card.Id)).Select(e => e.Data).OfType<FareCharged>().Single();
        Assert.Equal(terminalTime, charge.TerminalTime);
        Assert.Equal(decidedAt, charge.ChargedAt);
        Assert.Equal(Money.FromCents(2_50), charge.Amount);
    }
}
