namespace Cora.Training.Zoo.Tasks;

/// <summary>Short lowercase ASCII words the source tasks draw from (3-5 letters keeps prompts short).</summary>
internal static class Words
{
    public static readonly string[] Common =
    [
        "apple", "bird", "boat", "book", "cake", "car", "cat", "chair", "cloud", "coin",
        "cup", "desk", "dog", "door", "egg", "fish", "flag", "frog", "gold", "hat",
        "horse", "house", "key", "kite", "lamp", "leaf", "lion", "milk", "moon", "nest",
        "pen", "pig", "rain", "ring", "river", "road", "rose", "salt", "ship", "shoe",
        "snow", "star", "stone", "sun", "table", "tree", "wind", "wolf",
    ];
}
