using NodaTime;

namespace CityPass.Domain.Cards;

/// <summary>A tap of the card already recorded with an authentic cryptogram, online or uploaded from offline.</summary>
public sealed record SeenTap(string Id, string VenueId, Instant TerminalTime, long CardCounter, bool Offline);

/// <summary>
/// Signs that two chips answer with one card's key (a full clone), looked for on an online tap whose card passed every
/// check, against the card's taps already recorded:
/// <list type="bullet">
/// <item><b>counter-backwards</b>: a counter lower than that of a tap seen online at the same or an earlier terminal time.
/// A genuine chip's counter only goes up, and online taps reach CityPass in the order they happen (a resend that comes
/// late carries its earlier terminal time). Offline taps are not compared: they arrive in any order.</item>
/// <item><b>far-apart</b>: a tap at another venue (online or offline) whose terminal time is within the given window:
/// one card cannot be at two venues at once.</item>
/// </list>
/// The tap is decided as usual: which of the two chips is the genuine one is for a person to find out.
/// </summary>
public static class CloneSigns
{
    public static IReadOnlyList<ScreeningIncident> Of(ScreenedTap tap, IEnumerable<SeenTap> seen, Duration farApartWithin)
    {
        var found = new List<ScreeningIncident>();
        var seenList = seen.Where(s => s.Id != tap.Id).ToList();
        if (seenList.Where(s => !s.Offline && s.CardCounter > tap.CardCounter && s.TerminalTime <= tap.TerminalTime)
                .OrderByDescending(s => s.CardCounter).FirstOrDefault() is { } ahead)
            found.Add(new("card-counter-backwards",
                $"Counter {tap.CardCounter} at {tap.TerminalTime} is below counter {ahead.CardCounter} of tap {ahead.Id} seen online at {ahead.TerminalTime}: two chips with this card's key."));
        if (farApartWithin > Duration.Zero
            && seenList.Where(s => s.VenueId != tap.VenueId && Duration.Max(s.TerminalTime - tap.TerminalTime, tap.TerminalTime - s.TerminalTime) < farApartWithin)
                .OrderBy(s => s.TerminalTime).FirstOrDefault() is { } elsewhere)
            found.Add(new("card-far-apart",
                $"Tapped at {tap.VenueId} at {tap.TerminalTime} and at {elsewhere.VenueId} at {elsewhere.TerminalTime} (tap {elsewhere.Id}), less than {farApartWithin.TotalSeconds} s apart."));
        return found;
    }
}
