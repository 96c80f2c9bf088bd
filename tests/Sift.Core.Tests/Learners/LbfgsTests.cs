using Sift.Learners;

namespace Sift.Core.Tests.Learners;

public sealed class LbfgsTests
{
    [Fact]
    public void Minimize_Rosenbrock_FindsMinimum()
    {
        double[] x = [-1.2, 1.0];
        var r = Lbfgs.Minimize((p, g) =>
        {
            var a = 1 - p[0]; var b = p[1] - p[0] * p[0];
            g[0] = -2 * a - 400 * p[0] * b;
            g[1] = 200 * b;
            return a * a + 100 * b * b;
        }, x, 500, 1e-8);
        r.Converged.ShouldBeTrue();
        x[0].ShouldBe(1.0, 1e-5);
        x[1].ShouldBe(1.0, 1e-5);
    }

    [Fact]
    public void Minimize_AlreadyOptimal_StopsImmediately()
    {
        double[] x = [0.0, 0.0];
        var r = Lbfgs.Minimize((p, g) => { g[0] = 2 * p[0]; g[1] = 2 * p[1]; return p[0] * p[0] + p[1] * p[1]; }, x, 100, 1e-6);
        r.Iterations.ShouldBe(0);
        r.Converged.ShouldBeTrue();
    }
}
