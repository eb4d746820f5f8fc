namespace CityPass.Host.Privacy;

/// <summary>Section <c>Privacy</c>: retention periods (see docs/privacy.md).</summary>
public sealed class PrivacyOptions
{
    /// <summary>How long a visit (tap) stays identifiable: terminal and exact time. CNIL's guidance for ticketing: 48 h.</summary>
    public int IdentifiableVisitHours { get; set; } = 48;

    /// <summary>
    /// How long finance keeps a closed account's refund order (with the bank account it is paid to): the French
    /// commercial code's ten years for accounting records. Documented; purging is finance's (see docs/privacy.md).
    /// </summary>
    public int RefundRecordRetentionYears { get; set; } = 10;
}
