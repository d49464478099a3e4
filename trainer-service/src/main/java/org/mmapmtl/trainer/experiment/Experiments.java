package org.mmapmtl.trainer.experiment;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.mmapmtl.data.Dataset;
import org.mmapmtl.data.DatasetLoader;
import org.mmapmtl.data.Domain;
import org.mmapmtl.data.Split;
import org.mmapmtl.events.Progress;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.trainer.spec.ExperimentPlan;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.trainer.spec.InvalidSpecException;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.trainer.spec.SpecError;
import org.mmapmtl.trainer.spec.SpecReader;
import org.mmapmtl.trainer.spec.SpecWorld;
import org.mmapmtl.service.Problem;
import org.mmapmtl.service.ProblemException;
import org.mmapmtl.train.BatchPlan;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.RunSetup;
import org.mmapmtl.trainer.progress.ProgressReporter;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Submitting, cancelling and following experiments: what the REST resource and the partition intake ask for. Each
 * method is one transaction; the training itself happens elsewhere ({@code RunWorker}).
 */
@ApplicationScoped
public class Experiments {
    private static final Logger LOG = Logger.getLogger(Experiments.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    @Inject
    DataRoots roots;

    @Inject
    ProgressReporter progress;

    /** What one submission is checked against: the data roots and the datasets under them. */
    /** Who asks: their name (a token's principal) and whether they may act on anyone's experiments. */
    public record Caller(String name, boolean admin) {
    }

    public Submission submission() {
        return new Submission();
    }

    /**
     * The file system as one submission sees it. Each path is resolved against the data roots once and a dataset
     * folder listed once (a real one holds tens of thousands of images), for the spec's checks and again for planning.
     */
    public final class Submission implements SpecWorld {
        private final Map<List<String>, Dataset> listed = new HashMap<>();
        private final Map<List<Object>, DataRoots.Result> checked = new HashMap<>();

        @Override
        public String pathProblem(String path, boolean directory) {
            return check(path, directory).problem();
        }

        @Override
        public List<String> domains(String kind, String root) {
            try {
                Path real = check(root, true).path().orElse(null);
                return real == null ? null : dataset(kind, real).domains().stream().map(Domain::name).toList();
            } catch (RuntimeException e) {
                return null; // submit names what is wrong with the folder
            }
        }

        /** A path against the data roots, resolved once per submission (the spec's checks, then submit). */
        DataRoots.Result check(String path, boolean directory) {
            return checked.computeIfAbsent(java.util.Arrays.asList(path, directory), k -> roots.check(path, directory));
        }

        Dataset dataset(String kind, Path root) {
            return listed.computeIfAbsent(List.of(kind, root.toString()), k -> DatasetLoader.load(kind, root));
        }
    }

    /**
     * Checks what only the service can check (paths under the data roots, the dataset's domains, the snapshots
     * against phase 1's length), fills in the id, the tasks and the snapshot interval, and queues the first runs.
     */
    @Transactional
    public ExperimentSpec submit(ExperimentSpec submitted, Submission submission, String owner) {
        List<SpecError> errors = new ArrayList<>();
        DataRoots.Result root = submission.check(submitted.dataset().root(), true);
        if (root.problem() != null) {
            errors.add(new SpecError("dataset.root", root.problem()));
        }
        String weights = submitted.weights();
        if (!ExperimentSpec.isGenerated(weights)) {
            DataRoots.Result w = submission.check(weights, false);
            if (w.problem() != null) {
                errors.add(new SpecError("weights", w.problem()));
            } else {
                weights = w.path().orElseThrow().toString();
            }
        }
        Map<String, String> importedFiles = new LinkedHashMap<>();
        List<ExperimentPlan.ImportedPrompt> imported = new ArrayList<>();
        submitted.imported().forEach((name, path) -> {
            String field = "imported." + name;
            DataRoots.Result r = submission.check(path, false);
            if (r.problem() != null) {
                errors.add(new SpecError(field, r.problem()));
                return;
            }
            try {
                imported.add(importedPrompt(name, r.path().orElseThrow()));
                importedFiles.put(name, r.path().orElseThrow().toString());
            } catch (RuntimeException e) {
                errors.add(new SpecError(field, e.getMessage()));
            }
        });
        if (!errors.isEmpty()) {
            throw new InvalidSpecException(errors);
        }
        DatasetSpec dataset = submitted.dataset().withRoot(root.path().orElseThrow().toString());
        Dataset data;
        try {
            data = submission.dataset(dataset.kind(), Path.of(dataset.root()));
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException(List.of(new SpecError("dataset.root", e.getMessage())));
        }
        List<String> domains = data.domains().stream().map(Domain::name).toList();
        List<String> tasks = dataset.tasks().isEmpty() ? domains : dataset.tasks();
        for (int i = 0; i < tasks.size(); i++) {
            if (!domains.contains(tasks.get(i))) {
                errors.add(new SpecError("dataset.tasks[" + i + "]", "'" + tasks.get(i) + "' is not a domain of "
                        + dataset.root() + " (domains: " + domains + ")"));
            }
        }
        if (submitted.grouping().k() != null && submitted.grouping().k() > tasks.size()) {
            errors.add(new SpecError("grouping.k", submitted.grouping().k() + " groups cannot be made of " + tasks.size() + " tasks"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidSpecException(errors);
        }
        String id = submitted.id() != null ? submitted.id()
                : "exp-" + ID_TIME.format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 6);
        if (Experiment.findById(id) != null) {
            throw new ProblemException(Problem.of(Response.Status.CONFLICT, "experiment '" + id
                    + "' exists already; choose another id, or leave it out to have one assigned"));
        }
        ExperimentSpec spec = new ExperimentSpec(id, dataset.withTasks(tasks), weights, submitted.methods(),
                submitted.seeds(), submitted.recipe(), submitted.prompt(), submitted.grouping(), submitted.device(),
                importedFiles);
        spec = ExperimentPlan.withSnapshotsSpread(spec, phase1Steps(spec, data));

        Experiment e = Experiment.create(id, Phase.QUEUED);
        e.spec = org.mmapmtl.experiment.SpecJson.write(spec);
        e.owner = owner;
        List<RunSpec> runs = ExperimentPlan.initialRuns(spec, imported);
        queue(runs, 0);
        progress.report(Progress.lifecycle(id, null, null, Phase.QUEUED.label(), "queued",
                "submitted: " + spec.methods() + " on " + tasks + ", seeds " + spec.seeds() + ", " + runs.size() + " run(s) queued",
                Instant.now()));
        LOG.infof("experiment %s submitted: %d run(s) queued", id, runs.size());
        return spec;
    }

    /**
     * What an imported checkpoint holds, from its metadata: a method whose one set of parameters serves every task
     * (so that it can be scored on this experiment's tasks), with the prompt sizes it was trained with. Whether it was
     * made on this experiment's base weights is checked when its run starts, once the weights are resolved.
     */
    static ExperimentPlan.ImportedPrompt importedPrompt(String name, Path file) {
        CheckpointFile.Loaded loaded;
        try {
            loaded = CheckpointFile.read(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; a prompt learner saved by CoOp's or MaPLe's code is "
                    + "made into one with ./mmap import", e);
        }
        MethodSpec method = loaded.spec();
        if (method.family() == MethodSpec.Family.ZERO_SHOT) {
            throw new IllegalArgumentException(file + " holds " + method.name() + ", which trains nothing: list "
                    + method.name() + " under methods instead");
        }
        if (method.sharing() != MethodSpec.Sharing.SHARED) {
            throw new IllegalArgumentException(file + " holds " + method.name() + " for tasks " + loaded.tasks()
                    + ", with parameters of each task or group: only one set shared by every task (a -mt method, "
                    + "or what ./mmap import writes) can be scored on another experiment's tasks");
        }
        PromptSettings prompt = new PromptSettings(method.promptLength(), method.depth(), method.m(), method.n(),
                null, method.family() == MethodSpec.Family.MMAP || method.family() == MethodSpec.Family.MMAP_JOINT
                ? method.sourcePerLayer() : null);
        return new ExperimentPlan.ImportedPrompt(name, file.toString(), method.name(), prompt);
    }

    /** Phase 1's steps: its epochs times the steps per epoch of per-task sampling on this split. */
    private static long phase1Steps(ExperimentSpec spec, Dataset data) {
        long seed = spec.dataset().seed() != null ? spec.dataset().seed() : spec.seeds().get(0);
        Split split = Split.of(data, RunSetup.splitRule(spec.dataset()), seed, spec.dataset().official());
        List<String> tasks = spec.dataset().tasks();
        int[] sizes = tasks.stream().mapToInt(t -> split.task(t).train().size()).toArray();
        BatchPlan plan = new BatchPlan(seed, tasks, sizes, spec.recipe().perTaskBatch(tasks.size()), BatchPlan.Sampling.PER_TASK);
        return plan.stepsPerEpoch() * spec.grouping().epochs();
    }

    private void queue(List<RunSpec> runs, int firstSeq) {
        int seq = firstSeq;
        for (RunSpec r : runs) {
            TrainingRun.queued(r, seq++).persist();
        }
    }

    /**
     * The partition decided for an experiment: queues phase 2 (once). A partition for an experiment this trainer
     * does not know is kept, in case the experiment's own record is replayed later.
     */
    @Transactional
    public void partitionDecided(TaskPartition partition) {
        if (ReceivedPartition.findById(partition.experimentId()) != null) {
            LOG.debugf("partition of %s already received; duplicate ignored", partition.experimentId());
            return;
        }
        Experiment experiment = locked(partition.experimentId());
        Long seed = null; // with grouping.phase1 per-seed: the seed whose phase 1 this partition answers
        if (experiment == null) {
            int at = partition.experimentId().lastIndexOf(".s");
            Experiment parent = at > 0 ? locked(partition.experimentId().substring(0, at)) : null;
            ExperimentSpec parentSpec = parent == null ? null : parent.experimentSpec();
            if (parentSpec != null && parentSpec.grouping().perSeed()) {
                seed = ExperimentPlan.seedOfGroupingKey(parent.id, partition.experimentId());
                if (seed != null && parentSpec.seeds().contains(seed)) {
                    experiment = parent;
                } else {
                    seed = null;
                }
            }
        }
        if (experiment == null) {
            Experiment.create(partition.experimentId(), Phase.GROUPED);
            ReceivedPartition.of(partition, partition.experimentId()).persist();
            return;
        }
        ExperimentSpec spec = experiment.experimentSpec();
        if (spec != null && !new java.util.HashSet<>(partition.tasks()).equals(new java.util.HashSet<>(spec.dataset().tasks()))) {
            throw new IllegalArgumentException("partition of " + partition.experimentId() + " groups tasks "
                    + partition.tasks() + ", but the experiment's tasks are " + spec.dataset().tasks());
        }
        ReceivedPartition.of(partition, experiment.id).persist();
        if (spec != null && !experiment.cancelRequested) {
            List<RunSpec> runs = seed == null ? ExperimentPlan.partitionedRuns(spec, partition.groups())
                    : ExperimentPlan.partitionedRuns(spec, partition.groups(), List.of(seed));
            queue(runs, (int) TrainingRun.count("experimentId", experiment.id));
            progress.report(Progress.lifecycle(experiment.id, null, null, Phase.GROUPED.label(), "running",
                    (seed == null ? "groups " : "seed " + seed + "'s groups ") + partition.groups() + " ("
                            + partition.solver() + "); " + runs.size() + " phase-2 run(s) queued", Instant.now()));
        }
        updatePhase(experiment);
    }

    /**
     * Cancels: queued runs never start, running ones stop after their step and write a checkpoint first. An experiment
     * that has already ended is refused (409), so that the caller is not told a cancel was requested.
     */
    @Transactional
    public Experiment cancel(String id, Caller caller) {
        find(id);
        Experiment e = locked(id);
        if (!caller.admin() && (e.owner == null || !e.owner.equals(caller.name()))) {
            throw new io.quarkus.security.ForbiddenException("experiment " + id + " belongs to "
                    + (e.owner == null ? "nobody named (it was submitted before identities)" : "'" + e.owner + "'")
                    + "; only its owner or an admin may cancel it, and you are '" + caller.name() + "'");
        }
        if (e.phase.terminal()) {
            throw Problem.conflict("experiment " + id + " has already ended (phase " + e.phase
                    + "): there is nothing to cancel");
        }
        e.cancelRequested = true;
        // queued runs never start; a running run whose trainer died (its lease lapsed) is not claimed again either
        for (TrainingRun r : TrainingRun.<TrainingRun>list("experimentId = ?1 and (state = ?2 or (state = ?3 and leaseUntil < ?4))",
                id, TrainingRun.QUEUED, TrainingRun.RUNNING, Instant.now())) {
            r.state = TrainingRun.CANCELLED;
            r.updatedAt = Instant.now();
        }
        progress.report(Progress.lifecycle(id, null, null, e.phase.label(), "running", "cancel requested", Instant.now()));
        updatePhase(e);
        return e;
    }

    public Experiment find(String id) {
        Experiment e = Experiment.findById(id);
        if (e == null) {
            throw Problem.notFound("no experiment '" + id + "' is known to this trainer");
        }
        return e;
    }

    /**
     * The experiment's row, locked until the transaction ends: every change of an experiment (a run finishing, the
     * partition arriving, a cancel) takes this lock first, so two of them never compute the phase from each other's
     * uncommitted state, and none writes back a stale copy over another's change.
     */
    public Experiment locked(String id) {
        return Experiment.findById(id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
    }

    /** Recomputes the experiment's phase from its runs (under the experiment's lock); reports a change. */
    public void updatePhase(String id) {
        Experiment e = locked(id);
        if (e != null) {
            updatePhase(e);
        }
    }

    /** Recomputes the phase of an experiment this transaction has {@link #locked}. */
    void updatePhase(Experiment e) {
        ExperimentSpec spec = e.experimentSpec();
        boolean partitioned = spec == null ? ReceivedPartition.findById(e.id) != null
                : ReceivedPartition.bySeed(e.id, spec).size() == spec.seeds().size();
        Phase next = Phase.of(e, TrainingRun.of(e.id), partitioned);
        if (next != e.phase) {
            e.moveTo(next);
            String state = next == Phase.DONE ? "done" : next == Phase.FAILED ? "failed" : next == Phase.CANCELLED ? "cancelled" : "running";
            progress.report(Progress.lifecycle(e.id, null, null, next.label(), state, "experiment " + next.label(),
                    Instant.now()));
        }
    }

}
