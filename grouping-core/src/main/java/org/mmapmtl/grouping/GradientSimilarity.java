package org.mmapmtl.grouping;

import java.util.List;

/** How two tasks' flattened gradients are compared at one snapshot. */
public enum GradientSimilarity {
    /** cos(g_i, g_j): the paper's text and Fifty et al.; a zero gradient has similarity 0 with everything */
    COSINE,
    /** g_i · g_j: the paper's equation as printed */
    DOT;

    /** The n×n similarity of n gradients of equal length, accumulated in double precision. */
    public double[][] matrix(List<float[]> gradients) {
        int n = gradients.size();
        int d = gradients.isEmpty() ? 0 : gradients.get(0).length;
        for (float[] g : gradients) {
            if (g.length != d) {
                throw new IllegalArgumentException("gradients must have equal length: " + d + " vs " + g.length);
            }
        }
        double[][] dots = new double[n][n];
        for (int i = 0; i < n; i++) {
            float[] a = gradients.get(i);
            for (int j = i; j < n; j++) {
                float[] b = gradients.get(j);
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += (double) a[k] * b[k];
                }
                dots[i][j] = s;
                dots[j][i] = s;
            }
        }
        if (this == DOT) {
            return dots;
        }
        double[][] cos = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double norm = Math.sqrt(dots[i][i]) * Math.sqrt(dots[j][j]);
                cos[i][j] = norm == 0 ? 0 : Math.max(-1, Math.min(1, dots[i][j] / norm));
            }
        }
        return cos;
    }
}
