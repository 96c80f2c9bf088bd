namespace Sift.Routing;

/// <summary>A model's price: currency per 1,000 input (prompt) tokens and per 1,000 output (completion) tokens.</summary>
/// <param name="InputPer1k">Price of 1,000 prompt tokens.</param>
/// <param name="OutputPer1k">Price of 1,000 completion tokens.</param>
public sealed record ModelPrice(double InputPer1k, double OutputPer1k)
{
    /// <summary>Free (a local model whose electricity nobody counts).</summary>
    public static ModelPrice Free { get; } = new(0, 0);

    /// <summary>The money for one call.</summary>
    public double Cost(int inputTokens, int outputTokens) => (inputTokens * InputPer1k + outputTokens * OutputPer1k) / 1000.0;

    /// <summary>Checks the prices.</summary>
    /// <exception cref="ConfigurationException">A price is negative or not a number.</exception>
    public void Validate()
    {
        if (!(InputPer1k >= 0) || !(OutputPer1k >= 0) || double.IsInfinity(InputPer1k) || double.IsInfinity(OutputPer1k))
            throw new ConfigurationException("Model prices per 1k tokens must be finite numbers ≥ 0.");
    }
}

/// <summary>
/// What a person costs: a fixed amount per label, or an hourly rate times the time on task (measured by the annotate
/// page in the server; given in simulation). When both are set they add up.
/// </summary>
/// <param name="PerLabel">Money per answer.</param>
/// <param name="PerHour">Money per hour on task.</param>
public sealed record PersonRate(double PerLabel, double PerHour = 0)
{
    /// <summary>The money for one answer that took <paramref name="seconds"/> on task.</summary>
    public double Cost(double seconds) => PerLabel + PerHour * Math.Max(0, seconds) / 3600.0;

    /// <summary>Checks the rates.</summary>
    /// <exception cref="ConfigurationException">A rate is negative or not a number.</exception>
    public void Validate()
    {
        if (!(PerLabel >= 0) || !(PerHour >= 0) || double.IsInfinity(PerLabel) || double.IsInfinity(PerHour))
            throw new ConfigurationException("A person's cost per label and per hour must be finite numbers ≥ 0.");
    }
}
