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
}
