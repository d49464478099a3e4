package org.mmapmtl.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * What a task's predictions say beyond accuracy: the confusion matrix (rows: true class, columns: predicted class)
 * and each class's precision, recall and F1. A class never predicted has precision 0, one absent from the test set
 * recall 0, and F1 is 0 where precision + recall is 0 (scikit-learn's {@code zero_division=0}).
 *
 * @param confusion [true class][predicted class] counts
 */
public record ClassificationMetrics(List<String> classes, long[][] confusion) {

    public record PerClass(String name, double precision, double recall, double f1, long support) {
    }

    public ClassificationMetrics {
        classes = List.copyOf(classes);
        if (confusion.length != classes.size()) {
            throw new IllegalArgumentException("confusion matrix has " + confusion.length + " rows for "
                    + classes.size() + " classes");
        }
        for (long[] row : confusion) {
            if (row.length != classes.size()) {
                throw new IllegalArgumentException("confusion matrix is not square: a row of " + row.length);
            }
        }
    }

    public static ClassificationMetrics of(List<String> classes, long[] truth, long[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException(truth.length + " labels but " + predicted.length + " predictions");
        }
        long[][] confusion = new long[classes.size()][classes.size()];
        for (int i = 0; i < truth.length; i++) {
            confusion[(int) truth[i]][(int) predicted[i]]++;
        }
        return new ClassificationMetrics(classes, confusion);
    }

    public long total() {
        long t = 0;
        for (long[] row : confusion) {
            for (long v : row) {
                t += v;
            }
        }
        return t;
    }

    public long correct() {
        long c = 0;
        for (int i = 0; i < confusion.length; i++) {
            c += confusion[i][i];
        }
        return c;
    }

    public double accuracy() {
        long total = total();
        return total == 0 ? 0 : (double) correct() / total;
    }

    public List<PerClass> perClass() {
        List<PerClass> out = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            long tp = confusion[c][c];
            long predicted = 0;
            long actual = 0;
            for (int k = 0; k < classes.size(); k++) {
                predicted += confusion[k][c];
                actual += confusion[c][k];
            }
            double precision = predicted == 0 ? 0 : (double) tp / predicted;
            double recall = actual == 0 ? 0 : (double) tp / actual;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            out.add(new PerClass(classes.get(c), precision, recall, f1, actual));
        }
        return out;
    }

    /** The unweighted mean F1 over the classes present in the test set. */
    public double macroF1() {
        return perClass().stream().filter(p -> p.support() > 0).mapToDouble(PerClass::f1).average().orElse(0);
    }
}
