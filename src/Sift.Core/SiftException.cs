namespace Sift;

/// <summary>Base class for every error that Sift raises on purpose; its message is meant for users.</summary>
public class SiftException : Exception
{
    /// <summary>Creates an exception with a user-facing message.</summary>
    public SiftException(string message) : base(message) { }

    /// <summary>Creates an exception with a user-facing message and its cause.</summary>
    public SiftException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Input data could not be read; names the file, line and field at fault.</summary>
public sealed class ImportException : SiftException
{
    /// <summary>Creates an import error. <paramref name="line"/> is 1-based; 0 when the whole file is at fault.</summary>
    public ImportException(string source, long line, string? field, string problem)
        : base(Format(source, line, field, problem))
    {
        Source = source;
        Line = line;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file (or stream name) being read.</summary>
    public new string Source { get; }

    /// <summary>1-based line number, or 0 when the problem concerns the whole file.</summary>
    public long Line { get; }

    /// <summary>The field at fault, when one is.</summary>
    public string? Field { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Format(string source, long line, string? field, string problem)
    {
        var where = line > 0 ? $"{source}, line {line}" : source;
        if (field is not null) where += $", field '{field}'";
        return $"{where}: {problem}";
    }
}

/// <summary>Invalid configuration (options, strategy names, stopping rules).</summary>
public sealed class ConfigurationException : SiftException
{
    /// <summary>Creates a configuration error.</summary>
    public ConfigurationException(string message) : base(message) { }
}

/// <summary>A query strategy could not select.</summary>
public class QueryException : SiftException
{
    /// <summary>Creates a query error.</summary>
    public QueryException(string message) : base(message) { }
}

/// <summary>The pool has fewer selectable items than were asked for (or none).</summary>
public sealed class PoolExhaustedException : QueryException
{
    /// <summary>Creates the exception for a request of <paramref name="requested"/> items out of <paramref name="available"/>.</summary>
    public PoolExhaustedException(int requested, int available)
        : base(available == 0
            ? $"The pool has no selectable items left (asked for {requested})."
            : $"Asked for {requested} items but only {available} selectable items remain in the pool.")
    {
        Requested = requested;
        Available = available;
    }

    /// <summary>How many items were asked for.</summary>
    public int Requested { get; }

    /// <summary>How many selectable items were left.</summary>
    public int Available { get; }
}
