using CityPass.Domain.Cards;
using NodaTime;

namespace CityPass.Domain.Tests.Cards;

public class CloneSignsTests
{
    private static readonly Instant Now = TestScheme.InParis(2026, 11, 25, 10);
    private static readonly Duration Window = Duration.FromSeconds(60);

    private static ScreenedTap Tap(long counter, Instant at, string venue = "pool") =>
        new("pool-gate-1", 2000, "04A1B2C3D4E5F6", "04A1B2C3D4E5F6", venue, at, counter, "", "");

    private static IReadOnlyList<string> Kinds(ScreenedTap tap, params SeenTap[] seen) =>
        CloneSigns.Of(tap, seen, Window).Select(i => i.Kind).ToList();

    [Fact]
    public void A_counter_below_one_seen_online_earlier_is_a_clone()
    {
        var seen = new SeenTap("pool-gate-2/7", "pool", Now - Duration.FromMinutes(10), 57, Offline: false);
        Assert.Equal(["card-counter-backwards"], Kinds(Tap(41, Now), seen));
        Assert.Contains("below counter 57 of tap pool-gate-2/7", CloneSigns.Of(Tap(41, Now), [seen], Window)[0].Detail);
    }

    [Fact]
    public void Counters_going_up_a_late_resend_and_offline_taps_are_no_sign()
    {
        Assert.Empty(Kinds(Tap(58, Now), new SeenTap("g/1", "pool", Now - Duration.FromMinutes(10), 57, false)));
        // A tap that reaches CityPass late carries its earlier terminal time: its lower counter is in order.
        Assert.Empty(Kinds(Tap(41, Now - Duration.FromMinutes(11)), new SeenTap("g/1", "pool", Now - Duration.FromMinutes(10), 57, false)));
        // Offline uploads come in any order.
        Assert.Empty(Kinds(Tap(41, Now), new SeenTap("g/1", "pool", Now - Duration.FromMinutes(10), 57, Offline: true)));
        // The tap itself, seen again (a twin in the same batch), is no other tap.
        Assert.Empty(Kinds(Tap(41, Now), new SeenTap("pool-gate-1/2000", "pool", Now, 57, false)));
    }

    [Fact]
    public void Two_venues_within_the_window_are_a_clone_online_or_offline()
    {
        Assert.Equal(["card-far-apart"], Kinds(Tap(60, Now), new SeenTap("lib/1", "library", Now - Duration.FromSeconds(59), 59, false)));
        Assert.Equal(["card-far-apart"], Kinds(Tap(60, Now), new SeenTap("lib/1", "library", Now + Duration.FromSeconds(30), 61, true)));
        Assert.Empty(Kinds(Tap(60, Now), new SeenTap("lib/1", "library", Now - Duration.FromSeconds(60), 59, false)));
        Assert.Empty(Kinds(Tap(60, Now), new SeenTap("pool/1", "pool", Now - Duration.FromSeconds(5), 59, false)));
        Assert.Empty(CloneSigns.Of(Tap(60, Now), [new SeenTap("lib/1", "library", Now, 59, false)], Duration.Zero));
    }

    [Fact]
    public void Both_signs_at_once()
    {
        var seen = new SeenTap("lib/1", "library", Now - Duration.FromSeconds(10), 90, false);
        Assert.Equal(["card-counter-backwards", "card-far-apart"], Kinds(Tap(60, Now), seen));
    }
}
