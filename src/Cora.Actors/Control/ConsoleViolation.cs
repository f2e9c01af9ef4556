using System.Text;

namespace Cora.Actors.Control;

/// <summary>What is wrong with a console request: the field (its JSON path in the request), the
/// value as sent (<see cref="ConsoleValidation.Shown"/>; null when there is none to show) and the rule it breaks.</summary>
public sealed record ConsoleViolation(string Field, string? Value, string Rule)
{
    /// <summary>One line for the console and the log; any control character (a parser may quote
    /// the raw value in its rule) is escaped.</summary>
    public string Reason
    {
        get
        {
            var text = Value is null ? $"{Field}: {Rule}" : $"{Field} = {Value}: {Rule}";
            if (!text.Any(char.IsControl)) return text;
            var escaped = new StringBuilder(text.Length + 16);
            foreach (var c in text) escaped.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
            return escaped.ToString();
        }
    }
}
