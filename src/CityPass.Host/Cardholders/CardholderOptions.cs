namespace CityPass.Host.Cardholders;

/// <summary>Section <c>Cardholders</c>.</summary>
public sealed class CardholderOptions
{
    /// <summary>How often the host looks for card replacements a crash left halfway.</summary>
    public int ResumeEverySeconds { get; set; } = 30;

    /// <summary>A replacement unchanged for this long is resumed (a running one is left to its runner).</summary>
    public int ResumeAfterSeconds { get; set; } = 60;
}
