using System.Reflection;
using Sift.Features;

namespace Sift.Core.Tests.Features;

/// <summary>Every featuriser that Sift.Core ships runs the featuriser contract: a new featuriser without a suite fails here.</summary>
public sealed class FeaturizerSuiteDiscoveryTests
{
    [Fact]
    public void EveryFeaturizerInCore_HasAContractSuite()
    {
        var covered = typeof(FeaturizerContractTests).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(FeaturizerContractTests)) && !t.IsAbstract)
            .Select(t => ((IFeaturizer)t.GetMethod("Create", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(Activator.CreateInstance(t), [])!).GetType())
            .ToHashSet();
        var shipped = typeof(IFeaturizer).Assembly.GetTypes().Where(t => typeof(IFeaturizer).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });
        shipped.Where(t => !covered.Contains(t)).Select(t => t.FullName).ShouldBeEmpty(
            "each featuriser needs a suite: public sealed class XContractTests : FeaturizerContractTests { protected override IFeaturizer Create() => new X(…); }");
    }
}
