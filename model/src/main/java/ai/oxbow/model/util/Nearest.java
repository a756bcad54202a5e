package ai.oxbow.model.util;

import java.util.Collection;

/** "Did you mean" for a mistyped name: the closest known name by edit distance, if close enough. */
public final class Nearest {
    private Nearest() {}

    /** {@code " (did you mean 'x'?)"} for the nearest of {@code known}, or "" when none is near. */
    public static String hint(String given, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(given, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        // A third of the name may be wrong: "queue-sise" finds "queue-size", "x" finds nothing.
        return best != null && bestDistance <= Math.max(1, given.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    /** Edit distance with adjacent transpositions (optimal string alignment): "btach" is one edit from "batch". */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
