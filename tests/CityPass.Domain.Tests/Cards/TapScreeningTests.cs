using System.Text;
using CityPass.Domain.Cards;
using CityPass.Domain.Schemes;
using CityPass.Domain.Security;
using NodaTime;

namespace CityPass.Domain.Tests.Cards;

public class TapScreeningTests
{
    private static readonly Instant Now = TestScheme.InParis(2026, 11, 25, 10);
    private static readonly Duration Skew = Duration.FromSeconds(120);
    private static readonly Guid CardId = Guid.Parse("0193a000-0000-7000-8000-000000000001");
    private static readonly Terminal PoolGate = new("pool-gate-1", "pool", KeyVersion: 2);
    private static readonly Keys DeviceKeys = new();

    /// <summary>Master keys made up for these tests, diversified as the key ring does.</summary>
    private sealed class Keys : IDeviceKeys
    {
        private readonly KeyDiversifier _cards = KeyDiversifier.ForCards(Encoding.ASCII.GetBytes("card-master-key-for-tests-only-32"));
        private readonly KeyDiversifier _terminals = KeyDiversifier.ForTerminals(Encoding.ASCII.GetBytes("terminal-master-key-for-tests-32b"));

        public byte[] CardKey(string canonicalUid) => _cards.KeyFor(canonicalUid);

        public byte[] TerminalKey(string terminalId, int keyVersion) => _terminals.KeyFor(KeyDiversifier.TerminalKeyId(terminalId, keyVersion));
    }

    /// <summary>A tap as an honest terminal sends it: the card's cryptogram and the terminal's signature both verify.</summary>
    private static ScreenedTap Signed(Instant? at = null, long counter = 41, int keyVersion = 2, string? cryptogram = null)
    {
        var (uid, sequence) = ("04A1B2C3D4E5F6", 1050L);
        var tap = new ScreenedTap(PoolGate.Id, sequence, "04:a1:b2:c3:d4:e5:f6", uid, "pool", at ?? Now, counter,
            cryptogram ?? CardCryptogram.Compute(DeviceKeys.CardKey(uid), uid, counter, PoolGate.Id, sequence), "");
        return tap with { Mac = TerminalSignature.Compute(DeviceKeys.TerminalKey(PoolGate.Id, keyVersion), tap.SignedLine) };
    }

    private static TapVerdict Screen(
        ScreenedTap tap, TapChannel channel, Terminal? terminal = null, bool cardIssued = true, SequenceSeen sequence = SequenceSeen.New,
        string? counterUsedBy = null) =>
        TapScreening.Screen(tap, channel, terminal ?? PoolGate, DeviceKeys, cardIssued ? CardId : null, sequence, counterUsedBy, Now, Skew);

    private static readonly string BadCryptogram = new('0', 16);

    [Theory]
    [InlineData(TapChannel.Online)]
    [InlineData(TapChannel.Offline)]
    public void A_tap_signed_by_an_enrolled_terminal_with_an_authentic_card_and_a_new_counter_passes(TapChannel channel) =>
        Assert.Equal(new TapVerdict.Passed(CardId, ClockAhead: false), Screen(Signed(), channel));

    public static TheoryData<string, Terminal?, string> Unauthenticated => new()
    {
        { "not in the scheme", null, "Terminal pool-gate-1 is not in the scheme." },
        { "never enrolled", PoolGate with { KeyVersion = 0 }, "Terminal pool-gate-1 was never enrolled." },
        { "decommissioned", PoolGate with { Decommissioned = true }, "Terminal pool-gate-1 is decommissioned." },
        { "signed with an old key", PoolGate with { KeyVersion = 3 }, "The signature of terminal pool-gate-1 does not verify (key version 3)." },
    };

    [Theory]
    [MemberData(nameof(Unauthenticated))]
    public void A_terminal_that_is_not_authenticated_is_refused_and_reported(string _, Terminal? terminal, string message)
    {
        var online = Assert.IsType<TapVerdict.Refused>(
            TapScreening.Screen(Signed(), TapChannel.Online, terminal, DeviceKeys, CardId, SequenceSeen.New, null, Now, Skew));
        Assert.Equal((DeclineReason.NotAuthenticated, message, new ScreeningIncident("terminal-not-authenticated", message)),
            (online.Reason, online.Message, online.Incident));

        var offline = Assert.IsType<TapVerdict.Refused>(
            TapScreening.Screen(Signed(), TapChannel.Offline, terminal, DeviceKeys, CardId, SequenceSeen.New, null, Now, Skew));
        Assert.Equal(new ScreeningIncident("offline-tap-not-authenticated", message), offline.Incident);
    }

    [Fact]
    public void A_tap_whose_fields_were_changed_after_signing_is_refused() =>
        Assert.Equal(DeclineReason.NotAuthenticated,
            Assert.IsType<TapVerdict.Refused>(Screen(Signed() with { VenueId = "parking" }, TapChannel.Online)).Reason);

    [Theory]
    [InlineData(-121)]
    [InlineData(121)]
    public void Online_a_terminal_time_beyond_the_skew_either_way_is_a_stale_request(int seconds)
    {
        var refused = Assert.IsType<TapVerdict.Refused>(Screen(Signed(Now + Duration.FromSeconds(seconds)), TapChannel.Online));
        Assert.Equal((DeclineReason.StaleRequest, "stale-request"), (refused.Reason, refused.Incident.Kind));
        Assert.StartsWith("The terminal's time ", refused.Message);
    }

    [Theory]
    [InlineData(-120)]
    [InlineData(120)]
    public void Online_a_terminal_time_at_the_skew_passes(int seconds) =>
        Assert.IsType<TapVerdict.Passed>(Screen(Signed(Now + Duration.FromSeconds(seconds)), TapChannel.Online));

    [Fact]
    public void Offline_a_clock_ahead_is_flagged_not_refused_and_a_clock_behind_is_nothing()
    {
        Assert.Equal(new TapVerdict.Passed(CardId, ClockAhead: true), Screen(Signed(Now + Duration.FromSeconds(121)), TapChannel.Offline));
        Assert.Equal(new TapVerdict.Passed(CardId, ClockAhead: false), Screen(Signed(Now - Duration.FromDays(3)), TapChannel.Offline));
        Assert.True(Assert.IsType<TapVerdict.CardFailed>(
            Screen(Signed(Now + Duration.FromSeconds(121)), TapChannel.Offline, cardIssued: false)).ClockAhead);
    }

    [Fact]
    public void Online_the_same_tap_again_gets_the_first_answer_and_another_tap_with_its_sequence_is_refused()
    {
        Assert.IsType<TapVerdict.AlreadyDecided>(Screen(Signed(), TapChannel.Online, sequence: SequenceSeen.SameTap));
        var reused = Assert.IsType<TapVerdict.Refused>(Screen(Signed(), TapChannel.Online, sequence: SequenceSeen.OtherTap));
        Assert.Equal((DeclineReason.SequenceReused, "sequence-reused"), (reused.Reason, reused.Incident.Kind));
        Assert.Equal("Sequence 1050 of terminal pool-gate-1 was already used for another tap; nothing was charged.", reused.Message);
    }

    [Fact]
    public void Offline_a_sequence_already_recorded_is_a_duplicate_whatever_the_tap() =>
        Assert.IsType<TapVerdict.AlreadyDecided>(Screen(Signed() with { Mac = "" }, TapChannel.Offline, sequence: SequenceSeen.OtherTap));

    [Theory]
    [InlineData(TapChannel.Online)]
    [InlineData(TapChannel.Offline)]
    public void A_card_never_issued_is_recorded_as_unknown_and_not_reported(TapChannel channel)
    {
        var failed = Assert.IsType<TapVerdict.CardFailed>(Screen(Signed(), channel, cardIssued: false));
        Assert.Equal((DeclineReason.UnknownCard, (Guid?)null, (ScreeningIncident?)null), (failed.Reason, failed.CardId, failed.Incident));
        Assert.Equal("No card with UID 04A1B2C3D4E5F6 was issued.", failed.Message);
    }

    [Fact]
    public void A_cryptogram_that_does_not_verify_is_a_cloned_or_misread_card_and_reported()
    {
        var online = Assert.IsType<TapVerdict.CardFailed>(Screen(Signed(cryptogram: BadCryptogram), TapChannel.Online));
        Assert.Equal((DeclineReason.CardNotAuthentic, CardId, new ScreeningIncident("card-not-authentic", "Cryptogram does not verify with the card's key.")),
            (online.Reason, online.CardId, online.Incident));

        var offline = Assert.IsType<TapVerdict.CardFailed>(Screen(Signed(cryptogram: BadCryptogram), TapChannel.Offline));
        Assert.Equal(new ScreeningIncident("card-not-authentic", "Offline tap pool-gate-1/1050 was honoured with a card that failed authentication."),
            offline.Incident);
    }

    [Fact]
    public void A_counter_already_used_is_a_replayed_or_cloned_card_and_reported()
    {
        var online = Assert.IsType<TapVerdict.CardFailed>(Screen(Signed(), TapChannel.Online, counterUsedBy: "pool-gate-1/1049"));
        Assert.Equal((DeclineReason.CardReplayed, CardId, new ScreeningIncident("card-replayed", "Counter 41 already used by tap pool-gate-1/1049.")),
            (online.Reason, online.CardId, online.Incident));
        Assert.Equal("Card counter 41 was already used (tap pool-gate-1/1049): a replayed or cloned card.", online.Message);

        var offline = Assert.IsType<TapVerdict.CardFailed>(Screen(Signed(), TapChannel.Offline, counterUsedBy: "pool-gate-1/1049"));
        Assert.Equal((DeclineReason.CardReplayed, "card-replayed"), (offline.Reason, offline.Incident!.Kind));
    }

    [Fact]
    public void Offline_a_failed_card_on_a_tap_whose_clock_is_ahead_is_recorded_and_reported_too()
    {
        // Issue 14: this was the known gap (recorded, flagged clock-skew, but no incident).
        var failed = Assert.IsType<TapVerdict.CardFailed>(
            Screen(Signed(Now + Duration.FromSeconds(121)), TapChannel.Offline, counterUsedBy: "pool-gate-1/1049"));
        Assert.Equal((DeclineReason.CardReplayed, true, "card-replayed"), (failed.Reason, failed.ClockAhead, failed.Incident!.Kind));
        Assert.Contains("clock was ahead", failed.Incident.Detail);
        var forged = Assert.IsType<TapVerdict.CardFailed>(
            Screen(Signed(Now + Duration.FromSeconds(121), cryptogram: BadCryptogram), TapChannel.Offline));
        Assert.Equal("card-not-authentic", forged.Incident!.Kind);
    }

    // Precedence: each check is reached only when every check before it passes.

    [Fact]
    public void Online_the_terminal_is_checked_before_its_clock_its_sequence_and_the_card()
    {
        var everythingWrong = Signed(Now + Duration.FromHours(1), cryptogram: BadCryptogram) with { Mac = "" };
        Assert.Equal(DeclineReason.NotAuthenticated, Assert.IsType<TapVerdict.Refused>(
            Screen(everythingWrong, TapChannel.Online, cardIssued: false, sequence: SequenceSeen.OtherTap, counterUsedBy: "x")).Reason);
    }

    [Fact]
    public void Online_a_repeat_of_a_decided_tap_comes_first_then_the_clock_then_a_reused_sequence_then_the_card()
    {
        // Issue 14: a copy of a decided tap replayed late gets the recorded answer, not StaleRequest and an incident.
        var late = Signed(Now - Duration.FromHours(1), cryptogram: BadCryptogram);
        Assert.IsType<TapVerdict.AlreadyDecided>(Screen(late, TapChannel.Online, cardIssued: false, sequence: SequenceSeen.SameTap));
        Assert.Equal(DeclineReason.StaleRequest, Assert.IsType<TapVerdict.Refused>(
            Screen(late, TapChannel.Online, cardIssued: false, sequence: SequenceSeen.OtherTap)).Reason);
        Assert.Equal(DeclineReason.StaleRequest, Assert.IsType<TapVerdict.Refused>(
            Screen(late, TapChannel.Online, cardIssued: false, sequence: SequenceSeen.New)).Reason);
        Assert.IsType<TapVerdict.AlreadyDecided>(Screen(Signed(cryptogram: BadCryptogram), TapChannel.Online, cardIssued: false, sequence: SequenceSeen.SameTap));
        Assert.Equal(DeclineReason.SequenceReused, Assert.IsType<TapVerdict.Refused>(
            Screen(Signed(cryptogram: BadCryptogram), TapChannel.Online, cardIssued: false, sequence: SequenceSeen.OtherTap)).Reason);
    }

    [Fact]
    public void Offline_a_duplicate_is_counted_before_the_signature_is_checked() =>
        Assert.IsType<TapVerdict.AlreadyDecided>(
            Screen(Signed() with { Mac = "" }, TapChannel.Offline, terminal: PoolGate with { Decommissioned = true }, sequence: SequenceSeen.SameTap));

    [Theory]
    [InlineData(TapChannel.Online)]
    [InlineData(TapChannel.Offline)]
    public void An_unknown_card_comes_before_its_cryptogram_and_the_cryptogram_before_its_counter(TapChannel channel)
    {
        Assert.Equal(DeclineReason.UnknownCard, Assert.IsType<TapVerdict.CardFailed>(
            Screen(Signed(cryptogram: BadCryptogram), channel, cardIssued: false, counterUsedBy: "x")).Reason);
        Assert.Equal(DeclineReason.CardNotAuthentic, Assert.IsType<TapVerdict.CardFailed>(
            Screen(Signed(cryptogram: BadCryptogram), channel, counterUsedBy: "x")).Reason);
    }
}
