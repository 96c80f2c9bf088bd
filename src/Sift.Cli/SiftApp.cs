using System.CommandLine;
using Sift.Cli.Commands;

namespace Sift.Cli;

/// <summary>The <c>sift</c> command line: builds the command tree and turns Sift errors into one clear sentence.</summary>
internal static class SiftApp
{
    /// <summary>Exit code for bad input or configuration.</summary>
    public const int UserError = 2;

    /// <summary>Runs the CLI with <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter? error = null, TextWriter? output = null)
    {
        error ??= Console.Error;
        output ??= Console.Out;
        var root = new RootCommand("Sift: active learning for text labeling — choose which examples deserve the next scarce label.");
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(MergeCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(UsersCommand.Create());
        root.Subcommands.Add(AgreementCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (SiftException e)
        {
            error.WriteLine($"error: {e.Message}");
            return UserError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled");
            return 130;
        }
    }
}
