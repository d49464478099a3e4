package org.mmapmtl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.grouping.AffinityMatrix;
import org.mmapmtl.grouping.GroupingObjective;
import org.mmapmtl.grouping.InvalidAffinityException;
import org.mmapmtl.grouping.Partition;
import org.mmapmtl.grouping.PartitionSearch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "group", mixinStandardHelpOptions = true,
        header = "Partitions tasks into groups from an affinity matrix file.",
        description = {"Partitions tasks into groups from an affinity matrix file {\"tasks\": [...], \"affinity\": [[...]]}",
                "and prints {\"groups\": [[...]], \"score\": s, \"solver\": \"exact|heuristic\"}."})
final class GroupCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    record AffinityFile(List<String> tasks, double[][] affinity) {
    }

    @Option(names = "--affinity", required = true, paramLabel = "M.json", description = "the affinity matrix file")
    Path affinityFile;

    @Option(names = "--objective", defaultValue = "threshold",
            description = "threshold (the data chooses the number of groups; tau 0 by default), mean-centred (tau = mean "
                    + "off-diagonal affinity), k, all-in-one or singletons (default: ${DEFAULT-VALUE})")
    String objective;

    @Option(names = "--k", description = "the number of groups, with --objective k")
    Integer k;

    @Option(names = "--tau", description = "threshold subtracted per pair, for threshold and k (default: 0)")
    Double tau;

    @Option(names = "--exact-limit", defaultValue = "18", description = "largest task count solved exactly (default: ${DEFAULT-VALUE}, at most 24)")
    int exactLimit;

    @Option(names = "--no-heuristic", description = "fail instead of using local search above the exact limit")
    boolean noHeuristic;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the local search's restarts (default: ${DEFAULT-VALUE})")
    long seed;

    /** What is wrong with the file, in the file's terms (line, column, field), not the parser's. */
    static String jsonProblem(IOException e) {
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
            return "unknown field '" + u.getPropertyName() + "' (a file has only tasks and affinity)";
        }
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            String where = j.getLocation() == null ? ""
                    : "line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ": ";
            String field = "";
            if (j instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
                StringBuilder b = new StringBuilder();
                for (var ref : m.getPath()) {
                    b.append(ref.getFieldName() != null ? (b.length() == 0 ? "" : ".") + ref.getFieldName()
                            : "[" + ref.getIndex() + "]");
                }
                field = b + ": ";
            }
            String what = j.getOriginalMessage();
            if (what.contains("Non-standard token")) {
                what = "NaN and Infinity are not allowed; every affinity must be a finite number";
            } else if (j instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException) {
                what = "expected " + (field.startsWith("tasks") ? "a list of task names" : "a list of rows of numbers");
            } else if (j instanceof com.fasterxml.jackson.core.JsonParseException) {
                what = "not valid JSON";
            } else {
                what = what.replaceAll("`[^`]*`", "").replaceAll("\\(class [^)]*\\)", "").trim();
            }
            return where + field + what;
        }
        return e.getMessage();
    }

    @Override
    public Integer call() {
        AffinityFile file;
        try {
            file = JSON.readValue(affinityFile.toFile(), AffinityFile.class);
        } catch (NoSuchFileException e) {
            System.err.println("mmap group: " + affinityFile + ": no such file");
            return 2;
        } catch (IOException e) {
            System.err.println("mmap group: " + affinityFile + " is not {\"tasks\": [...], \"affinity\": [[...]]}: "
                    + jsonProblem(e));
            return 2;
        }
        try {
            AffinityMatrix matrix = new AffinityMatrix(file.tasks(), file.affinity());
            Partition p = PartitionSearch.solve(matrix, GroupingObjective.parse(objective, k, tau),
                    new PartitionSearch.Options(exactLimit, !noHeuristic, seed, 64));
            ObjectNode out = JSON.createObjectNode();
            out.set("groups", JSON.valueToTree(p.named(matrix.tasks())));
            out.put("score", p.score());
            out.put("solver", p.solver().label());
            out.put("objective", p.objective());
            out.put("tau", p.tau());
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
            return 0;
        } catch (InvalidAffinityException e) {
            System.err.println("mmap group: " + affinityFile + ":");
            e.problems().forEach(problem -> System.err.println("  " + problem));
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("mmap group: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
