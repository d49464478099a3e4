package org.mmapmtl.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A split written down: which files a run trained and tested on, by path relative to the dataset root. A run stores
 * it next to its checkpoints; reading it back gives the identical split without the seed or the tree being re-read.
 */
public final class SplitManifest {
    public static final String SCHEMA = "mmap.split/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Document(String schema, String kind, String root, List<String> classNames, Double percent, Integer shots,
                    long seed, boolean officialLists, List<TaskDocument> tasks) {
    }

    record TaskDocument(String task, List<Object[]> train, List<Object[]> test) {
    }

    private SplitManifest() {
    }

    public static void write(Split split, Path file) {
        List<TaskDocument> tasks = new ArrayList<>();
        for (TaskSplit t : split.tasks()) {
            tasks.add(new TaskDocument(t.task(), rows(t.train()), rows(t.test())));
        }
        Double percent = split.rule() instanceof SplitRule.Percent p ? p.percent() : null;
        Integer shots = split.rule() instanceof SplitRule.Shots s ? s.shots() : null;
        try {
            JSON.writeValue(file.toFile(), new Document(SCHEMA, split.kind(), split.root().toString(), split.classNames(),
                    percent, shots, split.seed(), split.officialLists(), tasks));
        } catch (IOException e) {
            throw new DatasetException("cannot write split manifest " + file + ": " + e.getMessage());
        }
    }

    public static Split read(Path file) {
        Document d;
        try {
            d = JSON.readValue(file.toFile(), Document.class);
        } catch (IOException e) {
            throw new DatasetException(file + " is not a split manifest: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!SCHEMA.equals(d.schema())) {
            throw new DatasetException(file + ": schema '" + d.schema() + "' is not " + SCHEMA);
        }
        SplitRule rule = d.percent() != null ? new SplitRule.Percent(d.percent()) : new SplitRule.Shots(d.shots());
        List<TaskSplit> tasks = new ArrayList<>();
        for (TaskDocument t : d.tasks()) {
            tasks.add(new TaskSplit(t.task(), samples(t.train(), d, file), samples(t.test(), d, file)));
        }
        return new Split(d.kind(), Path.of(d.root()), d.classNames(), rule, d.seed(), d.officialLists(), tasks);
    }

    private static List<Object[]> rows(List<Sample> samples) {
        return samples.stream().map(s -> new Object[] {s.path(), s.label()}).toList();
    }

    private static List<Sample> samples(List<Object[]> rows, Document d, Path file) {
        List<Sample> out = new ArrayList<>();
        for (Object[] row : rows) {
            if (row.length != 2 || !(row[0] instanceof String path) || !(row[1] instanceof Number label)) {
                throw new DatasetException(file + ": each sample must be [\"relative/path\", label]");
            }
            if (label.intValue() < 0 || label.intValue() >= d.classNames().size()) {
                throw new DatasetException(file + ": label " + label + " of " + path + " is out of range 0.."
                        + (d.classNames().size() - 1));
            }
            out.add(new Sample(path, label.intValue()));
        }
        return out;
    }
}
