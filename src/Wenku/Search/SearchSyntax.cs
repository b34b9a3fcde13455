namespace Wenku.Search;

/// <summary>One thing a person asked for: words or a "quoted phrase", wanted or -excluded.</summary>
public sealed record QueryClause(string Text, bool Phrase, bool Excluded);

/// <summary>
/// What a person typed, read the way search boxes are read: words, "quoted phrases", -exclusions, and OR between
/// two alternatives (a b OR c means a and (b or c)). Every input parses — an unclosed quote, stray operators, field
/// syntax from other engines — falling back to plain words, never to an error.
/// </summary>
public sealed class SearchSyntax
{
    public const int MaxLength = 200;
    public const int MaxClauses = 12;

    /// <summary>Groups that must all match; each group matches when any one of its clauses does.</summary>
    public IReadOnlyList<IReadOnlyList<QueryClause>> Required { get; }

    /// <summary>Clauses that must not match.</summary>
    public IReadOnlyList<QueryClause> Excluded { get; }

    /// <summary>The wanted words and phrases, for marking in titles and snippets.</summary>
    public IReadOnlyList<string> Terms => Required.SelectMany(g => g).Select(c => c.Text).Distinct().ToList();

    public bool IsEmpty => Required.Count == 0;

    private SearchSyntax(List<IReadOnlyList<QueryClause>> required, List<QueryClause> excluded)
    {
        Required = required;
        Excluded = excluded;
    }

    public static SearchSyntax Parse(string? text)
    {
        var clauses = Lex(text);
        var required = new List<IReadOnlyList<QueryClause>>();
        var excluded = new List<QueryClause>();
        var orPending = false;
        foreach (var (clause, isOr) in clauses)
        {
            if (isOr) { orPending = required.Count > 0; continue; }
            if (clause.Excluded) { excluded.Add(clause); orPending = false; continue; }
            if (orPending) required[^1] = [.. required[^1], clause];
            else required.Add([clause]);
            orPending = false;
        }
        // A query of exclusions only finds nothing useful; read the words as wanted instead.
        if (required.Count == 0 && excluded.Count > 0)
        {
            required.AddRange(excluded.Select(c => (IReadOnlyList<QueryClause>)[c with { Excluded = false }]));
            excluded.Clear();
        }
        return new SearchSyntax(required, excluded);
    }

    private static List<(QueryClause Clause, bool IsOr)> Lex(string? text)
    {
        var result = new List<(QueryClause, bool)>();
        if (string.IsNullOrWhiteSpace(text)) return result;
        var s = text.Length > MaxLength ? text[..MaxLength] : text;
        var i = 0;
        while (i < s.Length && result.Count < MaxClauses * 2)
        {
            if (char.IsWhiteSpace(s[i]) || s[i] == '\u3000') { i++; continue; }
            var excluded = false;
            if (s[i] is '-' or '－' && i + 1 < s.Length && !char.IsWhiteSpace(s[i + 1])) { excluded = true; i++; }
            if (s[i] is '"' or '“' or '”' or '＂')
            {
                var close = s.IndexOfAny(['"', '“', '”', '＂'], i + 1);
                if (close > i)
                {
                    var phrase = s[(i + 1)..close].Trim();
                    if (phrase.Length > 0) result.Add((new QueryClause(phrase, true, excluded), false));
                    i = close + 1;
                    continue;
                }
                i++; // an unclosed quote: the rest is plain words
                continue;
            }
            var start = i;
            while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not ('"' or '“' or '”' or '＂') and not '\u3000') i++;
            var word = s[start..i];
            if (!excluded && word is "OR" or "|" or "||") { result.Add((null!, true)); continue; }
            if (!excluded && word is "AND" or "&&" or "+") continue;
            word = word.TrimStart('+');
            if (word.Length > 0) result.Add((new QueryClause(word, false, excluded), false));
        }
        return result;
    }
}
