namespace Sift.Llm;

/// <summary>Base class of the errors a model back end raises on purpose; the message is one sentence for users.</summary>
public class LlmException : SiftException
{
    /// <summary>Creates an error with a user-facing message.</summary>
    public LlmException(string message) : base(message) { }
}

/// <summary>
/// The model cannot answer anything (the endpoint refused the key, has no such model, cannot be reached): the caller
/// should stop asking it and tell an administrator. <see cref="LlmOracle"/> lets this propagate.
/// </summary>
public sealed class LlmUnavailableException : LlmException
{
    /// <summary>Creates the error.</summary>
    public LlmUnavailableException(string message) : base(message) { }
}

/// <summary>
/// One request failed (time-outs or server errors after the bounded retries, a request the server rejected, a
/// response that is not a chat completion): the item goes to a person. <see cref="LlmOracle"/> turns it into a
/// declined answer.
/// </summary>
public sealed class LlmRequestException : LlmException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">One sentence for users.</param>
    /// <param name="invalidOutput">True when the server answered but the answer was unusable (malformed or cut-off
    /// JSON): the oracle asks once more, as for an invalid label. False when retrying is pointless or already done.</param>
    public LlmRequestException(string message, bool invalidOutput = false) : base(message) => InvalidOutput = invalidOutput;

    /// <summary>True when the server answered with something unusable, so one more attempt may help.</summary>
    public bool InvalidOutput { get; }
}
