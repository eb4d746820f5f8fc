namespace CityPass.Domain.Schemes;

public enum RoundingMode
{
    /// <summary>Half a unit or more goes up (0.225 EUR to the cent: 0.23).</summary>
    HalfUp,

    /// <summary>Exactly half goes to the even unit (0.225 EUR to the cent: 0.22), the banker's rule.</summary>
    HalfEven,

    /// <summary>Always down, in the cardholder's favour (0.229 EUR: 0.22).</summary>
    Down,

    /// <summary>Always up (0.221 EUR: 0.23).</summary>
    Up,
}

/// <summary>How a tariff rounds a reduced price: a mode and an increment in cents (1 = to the cent, 10 = to 10 cents).</summary>
public sealed record RoundingRule(RoundingMode Mode, int IncrementCents = 1)
{
    public static readonly RoundingRule HalfUpToTheCent = new(RoundingMode.HalfUp);

    /// <summary>The price of <paramref name="price"/> after a reduction of <paramref name="reductionPercent"/> %, rounded by this rule.</summary>
    public Money Reduce(Money price, int reductionPercent)
    {
        if (price.Cents < 0)
            throw new ArgumentOutOfRangeException(nameof(price), price, "Prices are not negative.");
        if (reductionPercent is < 0 or > 100)
            throw new ArgumentOutOfRangeException(nameof(reductionPercent), reductionPercent, "A reduction is between 0 and 100 %.");

        // Work in hundredths of a cent so that no fraction is lost before the rule decides.
        var exact = checked(price.Cents * (100 - reductionPercent));
        var unit = checked(100L * IncrementCents);
        var (units, rest) = (exact / unit, exact % unit);
        var up = Mode switch
        {
            RoundingMode.Down => false,
            RoundingMode.Up => rest > 0,
            RoundingMode.HalfUp => 2 * rest >= unit,
            RoundingMode.HalfEven => 2 * rest > unit || (2 * rest == unit && units % 2 == 1),
            _ => throw new InvalidOperationException($"Unknown rounding mode {Mode}."),
        };
        return Money.FromCents(checked((units + (up ? 1 : 0)) * IncrementCents));
    }

    public override string ToString() => IncrementCents == 1 ? $"{Mode} to the cent" : $"{Mode} to {IncrementCents} cents";
}
