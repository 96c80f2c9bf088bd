using System.Globalization;
using System.Reflection;

namespace Sift.Storage;

/// <summary>Reads a backend's plain SQL migration scripts, embedded as <c>{prefix}NNN_name.sql</c>, in version order.</summary>
internal static class MigrationScripts
{
    public static IReadOnlyList<(int Version, string Sql)> Load(Assembly assembly, string prefix)
    {
        var scripts = new List<(int Version, string Sql)>();
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var version = int.Parse(name.AsSpan(prefix.Length, 3), CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            scripts.Add((version, reader.ReadToEnd()));
        }
        if (scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidOperationException($"Two migration scripts have version {twice.Key}.");
        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        return scripts;
    }
}
