namespace Sift.Plots;

/// <summary>Layout and labels of a <see cref="LearningCurveSvg"/> chart.</summary>
public sealed record ChartOptions
{
    /// <summary>Title above the plot; empty (the default) for none.</summary>
    public string Title { get; init; } = "";

    /// <summary>Label of the x axis. Default "labels".</summary>
    public string XLabel { get; init; } = "labels";

    /// <summary>Label of the y axis. Default "test accuracy".</summary>
    public string YLabel { get; init; } = "test accuracy";

    /// <summary>Width in pixels. Default 820; allowed 240 to 10000.</summary>
    public int Width { get; init; } = 820;

    /// <summary>Height in pixels. Default 520; allowed 180 to 10000.</summary>
    public int Height { get; init; } = 520;

    /// <summary>
    /// Whether every point gets a visible marker (a circle; a square for a "random…" series), for curves of few points
    /// such as one per model version. Default false (lines only, as for dense simulated curves).
    /// </summary>
    public bool Markers { get; init; }

    /// <summary>Below this width the legend goes under the plot instead of beside it, so a narrow chart keeps its plot area. 560.</summary>
    public const int NarrowWidth = 560;
}
