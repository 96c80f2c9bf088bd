using System.Text;
using Sift.Data;
using Sift.Projects;
using Sift.Quality;
using Sift.Server.Import;
using Sift.Stopping;
using Sift.Strategies;

namespace Sift.Fuzz;

/// <summary>
/// One thing to fuzz: it reads the input bytes the way the product reads untrusted input. It may succeed or throw
/// <see cref="Expected"/> (the documented error for bad input); any other exception, a stack overflow, running out of
/// memory or a hang is a crash.
/// </summary>
internal sealed record FuzzTarget(string Name, string What, Type Expected, Action<Stream> Run);

internal static class FuzzTargets
{
    /// <summary>The schema the import target checks gold labels against.</summary>
    private static readonly string[] Labels = ["a", "b", "c"];

    public static readonly IReadOnlyList<FuzzTarget> All =
    [
        new("jsonl", "TextDatasetReader, JSON Lines (src/Sift.Core/Data)", typeof(ImportException),
            input => TextDatasetReader.Read(input, "fuzz.jsonl", new DataFormatOptions { Format = DataFormat.Jsonl })),

        new("csv", "TextDatasetReader, CSV with a header row (src/Sift.Core/Data)", typeof(ImportException),
            input => TextDatasetReader.Read(input, "fuzz.csv", new DataFormatOptions { Format = DataFormat.Csv })),

        // The first byte stands for the query string and the project: 'c' a CSV body for a single-label project, 'C' CSV
        // for a multi-label one, 'J' JSON Lines for a multi-label one, anything else JSON Lines for a single-label one.
        new("import", "the server's import path, ItemImport.Read (src/Sift.Server/Import)", typeof(ImportException), input =>
        {
            var mode = input.ReadByte();
            var format = new DataFormatOptions { Format = mode is 'c' or 'C' ? DataFormat.Csv : DataFormat.Jsonl };
            var settings = new ProjectSettings
            {
                Mode = mode is 'C' or 'J' ? LabelMode.Multi : LabelMode.Single,
                Labels = Labels,
                HeldOutShare = 0.1,
            };
            ItemImport.Read(input, format, settings);
        }),

        new("strategy", "StrategyCatalog.Default.Get, the strategy spec parser (src/Sift.Core/Strategies)", typeof(ConfigurationException),
            input => StrategyCatalog.Default.Get(Text(input)).Create()),

        new("stoprule", "StoppingRuleParser.Parse (src/Sift.Core/Stopping)", typeof(ConfigurationException),
            input => StoppingRuleParser.Parse(Text(input))),

        new("annotations", "AnnotationFileReader.Read (src/Sift.Core/Quality)", typeof(ImportException),
            input => AnnotationFileReader.Read(input, "fuzz.jsonl")),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));

    /// <summary>Runs the target on one input: null when it was accepted, the expected exception when it was rejected as it should be; a crash is thrown.</summary>
    public static Exception? Run(FuzzTarget target, Stream input)
    {
        try
        {
            target.Run(input);
            return null;
        }
        catch (Exception e) when (target.Expected.IsInstanceOfType(e))
        {
            return e;
        }
    }

    /// <summary>The input as a spec string, decoded as the server's JSON body would deliver it (invalid UTF-8 becomes U+FFFD).</summary>
    private static string Text(Stream input)
    {
        using var reader = new StreamReader(input, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: false);
        return reader.ReadToEnd();
    }
}
