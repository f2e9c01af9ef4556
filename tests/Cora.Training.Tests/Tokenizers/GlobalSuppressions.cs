using System.Diagnostics.CodeAnalysis;

// Expected ids read best written inline in each assertion; these tests are not a hot path.
[assembly: SuppressMessage("Performance", "CA1861:Avoid constant arrays as arguments",
    Scope = "namespaceanddescendants", Target = "~N:Cora.Training.Tests.Tokenizers")]
