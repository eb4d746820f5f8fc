using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using CityPass.Domain.Security;
using CityPass.Host.Cardholders.Linking;
using CityPass.Host.Terminals;
using NodaTime;
using NodaTime.Testing;

namespace CityPass.IntegrationTests.Security;

/// <summary>
/// A master-key rotation (docs/security.md, "Master key rotation"): cards and terminals still holding keys derived from
/// the previous master are accepted until <c>Keys:PreviousAcceptedUntil</c>, refused after; the new keys always.
/// </summary>
public class MasterKeyRotationTests
{
    private static readonly string OldMaster = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string NewMaster = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly Instant Until = Instant.FromUtc(2027, 3, 1, 0, 0);
    private static readonly Terminal Gate = new("pool-gate-9", "pool", KeyVersion: 3);
    private const string Uid = "04A1B2C3D4E5F7";

    private static KeyRing Ring(FakeClock clock, bool rotating = true) => new(new KeyOptions
    {
        CardMaster = NewMaster,
        TerminalMaster = NewMaster,
        PreviousCardMaster = rotating ? OldMaster : null,
        PreviousTerminalMaster = rotating ? OldMaster : null,
        PreviousAcceptedUntil = rotating ? "2027-03-01T00:00:00Z" : null,
    }, clock);

    /// <summary>A tap from a card and a terminal personalised under <paramref name="master"/>.</summary>
    private static ScreenedTap TapUnder(string master, long counter)
    {
        var cardKey = KeyDiversifier.ForCards(Convert.FromBase64String(master)).KeyFor(Uid);
        var terminalKey = KeyDiversifier.ForTerminals(Convert.FromBase64String(master)).KeyFor(KeyDiversifier.TerminalKeyId(Gate.Id, Gate.KeyVersion));
        var tap = new ScreenedTap(Gate.Id, counter, Uid, Uid, "pool", Until - Duration.FromDays(1), counter,
            CardCryptogram.Compute(cardKey, Uid, counter, Gate.Id, counter), "");
        return tap with { Mac = TerminalSignature.Compute(terminalKey, tap.SignedLine) };
    }

    private static TapVerdict Screen(KeyRing keys, ScreenedTap tap) =>
        TapScreening.Screen(tap, TapChannel.Offline, Gate, keys, Guid.NewGuid(), SequenceSeen.New, null, Until, Duration.FromSeconds(120));

    [Fact]
    public void Keys_of_the_previous_master_are_accepted_until_the_stated_instant_and_refused_after()
    {
        var clock = new FakeClock(Until - Duration.FromSeconds(1));
        var keys = Ring(clock);

        Assert.IsType<TapVerdict.Passed>(Screen(keys, TapUnder(OldMaster, 10)));
        Assert.IsType<TapVerdict.Passed>(Screen(keys, TapUnder(NewMaster, 11)));

        clock.Reset(Until);
        var oldTerminal = Screen(keys, TapUnder(OldMaster, 12));
        Assert.Equal(DeclineReason.NotAuthenticated, Assert.IsType<TapVerdict.Refused>(oldTerminal).Reason);
        Assert.IsType<TapVerdict.Passed>(Screen(keys, TapUnder(NewMaster, 13)));

        // A card not yet re-keyed, read by a terminal already re-enrolled: the card is what fails now.
        var oldCard = TapUnder(OldMaster, 14);
        var newTerminalKey = keys.TerminalKey(Gate.Id, Gate.KeyVersion);
        var mixed = Screen(keys, oldCard with { Mac = TerminalSignature.Compute(newTerminalKey, oldCard.SignedLine) });
        Assert.Equal(DeclineReason.CardNotAuthentic, Assert.IsType<TapVerdict.CardFailed>(mixed).Reason);
    }

    [Fact]
    public void Without_a_rotation_only_the_current_master_is_accepted()
    {
        var keys = Ring(new FakeClock(Until - Duration.FromDays(30)), rotating: false);
        Assert.Equal(DeclineReason.NotAuthenticated, Assert.IsType<TapVerdict.Refused>(Screen(keys, TapUnder(OldMaster, 20))).Reason);
        Assert.IsType<TapVerdict.Passed>(Screen(keys, TapUnder(NewMaster, 21)));
    }

    [Fact]
    public void The_number_printed_under_the_previous_master_still_claims_the_card_after_its_acceptance_period()
    {
        var clock = new FakeClock(Until - Duration.FromDays(400));
        var printedThen = new PrintedNumber(new KeyRing(new KeyOptions { CardMaster = OldMaster, TerminalMaster = OldMaster }, clock)).For(Uid);
        clock.Reset(Until + Duration.FromDays(30));
        var rotated = new PrintedNumber(Ring(clock));

        Assert.True(rotated.Matches(Uid, printedThen));
        Assert.True(rotated.Matches(Uid, rotated.For(Uid)));
        Assert.False(rotated.Matches(Uid, "0000 0000 0000"));
    }

    [Fact]
    public void A_previous_master_without_the_end_of_its_acceptance_period_is_a_configuration_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            new KeyRing(new KeyOptions { CardMaster = NewMaster, TerminalMaster = NewMaster, PreviousCardMaster = OldMaster }, new FakeClock(Until)));
        Assert.Contains("Keys:PreviousAcceptedUntil", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// <c>POST /cards/personalisation</c> gives the key of a blank card, and of an issued card only with the card's possession
/// proof (re-keying at the desk): an issued card's UID, which any reader nearby can read, is not enough.
/// </summary>
[Collection(CityPassCollection.Name)]
public class PersonalisationOfIssuedCardsTests(CityPassHost host)
{
    [Fact]
    public async Task An_issued_card_is_re_keyed_only_with_its_possession_proof_and_each_proof_works_once()
    {
        var machine = await host.Personalisation();
        var uid = Given.NewUid();
        Assert.Equal(HttpStatusCode.OK, (await machine.PostAsJsonAsync("/cards/personalisation", new { uid })).StatusCode);
        await host.CreateClient().IssuedCard(uid);

        var byUid = await machine.PostAsJsonAsync("/cards/personalisation", new { uid });
        Assert.Equal(HttpStatusCode.Conflict, byUid.StatusCode);
        Assert.Contains("already issued", await byUid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var cardKey = host.Services.GetRequiredService<KeyRing>().CardKey(uid);
        var forged = new { counter = 500, cryptogram = new string('0', 16) };
        Assert.Equal(HttpStatusCode.Conflict, (await machine.PostAsJsonAsync("/cards/personalisation", new { uid, proof = forged })).StatusCode);

        var proof = new { counter = 501, cryptogram = CardCryptogram.Compute(cardKey, uid, 501, Personalisation.ProofTerminalId, 501) };
        var rekeyed = await machine.PostAsJsonAsync("/cards/personalisation", new { uid, proof });
        Assert.Equal(HttpStatusCode.OK, rekeyed.StatusCode);
        Assert.Equal(Convert.ToBase64String(cardKey), (await rekeyed.Content.ReadFromJsonAsync<CardPersonalisation>(Api.Json))!.Key);

        Assert.Equal(HttpStatusCode.Conflict, (await machine.PostAsJsonAsync("/cards/personalisation", new { uid, proof })).StatusCode);
    }
}
