using Sift.Evidence;
using Sift.Simulation;

namespace Sift.Core.Tests.Support;

/// <summary>A simulation's results with its evidence, collected in memory.</summary>
internal sealed record CollectedRun(SimulationResult Result, IReadOnlyList<RoundEvent> Evidence);

internal static class SimulatorRuns
{
    /// <summary>Runs the simulator into an in-memory sink.</summary>
    public static CollectedRun RunCollecting(this Simulator simulator)
    {
        var sink = new ListEvidenceSink();
        var result = simulator.Run(sink);
        return new CollectedRun(result, sink.Events.Cast<RoundEvent>().ToList());
    }
}
