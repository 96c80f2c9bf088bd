namespace Sift.Strategies;

/// <summary>
/// The built-in strategies through a static face: every member forwards to <see cref="StrategyCatalog.Default"/>.
/// Kept so that code written before the catalog keeps compiling; new code uses <see cref="StrategyCatalog"/>, which
/// also takes strategies of your own.
/// </summary>
public static class StrategyRegistry
{
    /// <summary>All built-in strategies, in display order (<see cref="StrategyCatalog.All"/> of the default catalog).</summary>
    public static IReadOnlyList<StrategyDescriptor> All => StrategyCatalog.Default.All;

    /// <summary>Same as <see cref="StrategyCatalog.DecoratorHelp"/>.</summary>
    public const string DecoratorHelp = StrategyCatalog.DecoratorHelp;

    /// <summary>Same as <see cref="StrategyCatalog.MaxSpecLength"/>.</summary>
    public const int MaxSpecLength = StrategyCatalog.MaxSpecLength;

    /// <summary>Same as <see cref="StrategyCatalog.MaxDecorators"/>.</summary>
    public const int MaxDecorators = StrategyCatalog.MaxDecorators;

    /// <summary>Same as <see cref="StrategyCatalog.MaxNesting"/>.</summary>
    public const int MaxNesting = StrategyCatalog.MaxNesting;

    /// <summary>Finds a built-in strategy by spec; see <see cref="StrategyCatalog.Get"/>.</summary>
    /// <exception cref="ConfigurationException">Unknown name, malformed decorator, too long or too many decorators.</exception>
    public static StrategyDescriptor Get(string spec) => StrategyCatalog.Default.Get(spec);
}
