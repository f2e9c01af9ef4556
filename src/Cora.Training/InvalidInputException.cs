namespace Cora.Training;

/// <summary>
/// Input that Cora cannot use: a malformed checkpoint, config or dataset, a missing file.
/// The message names the file (and where possible the key, tensor or line) and the problem,
/// so that a user can fix it without a debugger. The CLI prints it and exits with DataError.
/// </summary>
public class InvalidInputException : Exception
{
    public InvalidInputException(string message) : base(message) { }
    public InvalidInputException(string message, Exception inner) : base(message, inner) { }
}
