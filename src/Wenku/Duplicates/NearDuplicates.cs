namespace Wenku.Duplicates;

/// <summary>The rules of near-duplicate matching that the site, the command line and the evaluation share.</summary>
public static class NearDuplicates
{
    /// <summary>Default score at or above which a match is a near duplicate (see the README for how it was chosen).</summary>
    public const double DefaultThreshold = 0.35;

    /// <summary>Matches below this score are not stored (they are merely related).</summary>
    public const double SimilarFloor = 0.2;

    /// <summary>Why a near duplicate was refused, for its uploader (zh-CN and English).</summary>
    public static string RejectionReason(long matchId, double score) =>
        $"与已有文档 /d/{matchId} 高度相似（相似度 {score:0.00}），本站不接受重复上传。" +
        $"This document is a near duplicate of /d/{matchId} (score {score:0.00}); the site does not accept re-uploads.";

    /// <summary>Too short a text is not compared: a few shared phrases would make any two of them "copies".</summary>
    public static bool IsComparable(Fingerprint fingerprint) => fingerprint.ShingleCount >= Fingerprint.MinShingles;

    /// <summary>
    /// The estimated score (from 96 MinHash values, standard error up to ~0.05) a candidate needs before its text is
    /// loaded and verified: low enough that a real match is not lost to the estimate's noise.
    /// </summary>
    public static double CandidateFloor(double threshold) => Math.Max(0.05, Math.Min(threshold, SimilarFloor) - 0.1);
}
