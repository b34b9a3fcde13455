namespace Wenku.Search;

/// <summary>A query token and, for a Latin word or number at either end of what was typed, its folded surface form.</summary>
/// <param name="Fragment">Set when the word may be part of a longer one (copied out of a text, part of a model number):
/// the body is also searched for it as consecutive character bigrams.</param>
public readonly record struct PlannedTerm(SearchAnalyzer.Token Token, string? Fragment);

/// <summary>
/// How one word or phrase of a query is matched, the same for every search backend. A quoted phrase, and a short run
/// of CJK typed without quotes (up to four characters, a word), must occur as typed (<see cref="Exact"/>). Otherwise
/// at least <see cref="MinimumMatch"/> of <see cref="Terms"/> must occur (all of up to three, three quarters of more),
/// and the text as typed (<see cref="Phrase"/>) scores far higher where it occurs (<see cref="BoostPhrase"/>).
/// </summary>
public sealed record ClausePlan(bool Exact, IReadOnlyList<SearchAnalyzer.Token> Phrase, IReadOnlyList<PlannedTerm> Terms, int MinimumMatch, bool BoostPhrase)
{
    public static ClausePlan? For(QueryClause clause)
    {
        var tokens = SearchAnalyzer.QueryTokens(clause.Text, 32);
        if (tokens.Count == 0) return null;
        var exact = clause.Phrase || (tokens.Count <= 3 && tokens.All(t => !t.IsWord));
        var phrase = Thin(tokens);
        if (exact) return new ClausePlan(true, phrase, [], 0, false);

        var folded = Text.TextFolding.Fold(clause.Text);
        var terms = new List<PlannedTerm>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            var atEdge = t.IsWord && ((i == 0 && t.Start == 0) || (i == tokens.Count - 1 && t.End == folded.Length));
            if (!atEdge) { terms.Add(new PlannedTerm(t, null)); continue; }
            var surface = folded[t.Start..t.End];
            if (surface.Length < 2) continue; // one stray letter or digit says nothing
            terms.Add(new PlannedTerm(t, surface));
        }
        if (terms.Count == 0) return null;
        var minimum = terms.Count <= 3 ? terms.Count : (int)Math.Ceiling(terms.Count * 0.75);
        return new ClausePlan(false, phrase, terms, minimum, tokens.Count > 1);
    }

    /// <summary>
    /// The bigrams a phrase needs: 文库 at 0 and 系统 at 2 already say "文库系统", so 库系 need not be read. Positions
    /// are kept, so the phrase still requires the text as typed; it just reads about half the postings.
    /// </summary>
    private static List<SearchAnalyzer.Token> Thin(List<SearchAnalyzer.Token> tokens)
    {
        var kept = new List<SearchAnalyzer.Token>(tokens.Count);
        var coveredUntil = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            var lastOfRun = i + 1 >= tokens.Count || !tokens[i + 1].IsBigram || tokens[i + 1].Start != t.Start + 1;
            if (!t.IsBigram || t.Start >= coveredUntil || lastOfRun)
            {
                kept.Add(t);
                if (t.IsBigram) coveredUntil = t.End;
            }
        }
        return kept;
    }
}

/// <summary>
/// A term every suggested title must hold, for what has been typed so far, the same for every backend.
/// <paramref name="Typing"/> is set on a Latin word at the very end, which may be unfinished: titles with a word
/// starting with it match too ("docu" offers "document"; the stem of a partial word is not a stem).
/// </summary>
public readonly record struct SuggestionTerm(string Term, string? Typing)
{
    public const int MaxPrefix = 50;

    public static List<SuggestionTerm> For(string prefix)
    {
        prefix = prefix.Trim();
        if (prefix.Length > MaxPrefix) prefix = prefix[..MaxPrefix];
        var tokens = SearchAnalyzer.QueryTokens(prefix, 20);
        return tokens.Select((t, i) =>
            i == tokens.Count - 1 && t.End == prefix.Length && t.Term.All(char.IsAsciiLetterOrDigit)
                ? new SuggestionTerm(t.Term, Text.TextFolding.Fold(prefix[t.Start..t.End]))
                : new SuggestionTerm(t.Term, null)).ToList();
    }
}
