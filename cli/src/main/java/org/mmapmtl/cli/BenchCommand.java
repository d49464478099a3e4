package org.mmapmtl.cli;

import org.mmapmtl.bench.DataPipelineBench;
import org.mmapmtl.bench.EncoderBench;
import org.mmapmtl.bench.EvalBench;
import org.mmapmtl.bench.ParameterTable;
import org.mmapmtl.bench.PartitionSearchBench;
import org.mmapmtl.bench.TrainStepBench;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that write JSON results.",
        subcommands = {BenchCommand.PartitionSearchCommand.class, BenchCommand.EncodersCommand.class,
                BenchCommand.DataCommand.class, BenchCommand.ParamsCommand.class,
                BenchCommand.TrainStepCommand.class, BenchCommand.EvalCommand.class, BenchCommand.PipelineCommand.class})
final class BenchCommand {

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = {"Latency of the services' answers under many experiments and dashboard viewers: the local stack "
                    + "and the three services (training and scoring off) with this command playing the trainers, "
                    + "at each level of open dashboard streams.",
                    "Uses its own ports and state folder, so it runs beside ./mmap up."})
    static final class PipelineCommand implements Callable<Integer> {
        @Option(names = "--home", defaultValue = "${sys:mmap.home:-.}", description = "the checkout whose built services run (default: ${DEFAULT-VALUE}); another checkout's build measures it with this harness")
        Path home;

        @Option(names = "--state-dir", defaultValue = "${sys:mmap.home:-.}/.mmap/bench-pipeline", description = "its stack, logs and generated data, wiped at each start (default: ${DEFAULT-VALUE})")
        Path stateDir;

        @Option(names = "--ports", split = ",", defaultValue = "19092,25432,18081,18082,18083", description = "Kafka, PostgreSQL, trainer, grouping and eval ports (default: ${DEFAULT-VALUE})")
        java.util.List<Integer> ports;

        @Option(names = "--experiments", defaultValue = "40", description = "experiments submitted and published (default: ${DEFAULT-VALUE})")
        int experiments;

        @Option(names = "--runs", defaultValue = "4", description = "runs per experiment (default: ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--steps", defaultValue = "60", description = "step reports per run (default: ${DEFAULT-VALUE})")
        int steps;

        @Option(names = "--epochs", defaultValue = "3", description = "checkpoints per run (default: ${DEFAULT-VALUE})")
        int epochs;

        @Option(names = "--streams", description = "levels of open dashboard streams (default: 0,50,200 on the read side, 0 with --trainers)")
        String streams;

        @Option(names = "--requests", defaultValue = "100", description = "requests per kind of answer and level (default: ${DEFAULT-VALUE})")
        int requests;

        @Option(names = "--live-rate", defaultValue = "20", description = "progress reports a second published while measuring (default: ${DEFAULT-VALUE})")
        int liveRate;

        @Option(names = "--trainers", split = ",", description = "instead of the read side: throughput of --experiments real experiments (coop-mt and mmap, the tiny CLIP, one epoch) trained by this many trainer instances, each count a fresh stack (for example 1,2,4; default: none)")
        java.util.List<Integer> trainers = new java.util.ArrayList<>();

        @Option(names = "--evaluators", split = ",", defaultValue = "1", description = "with --trainers: eval service instances of each level, sharing the checkpoints (for example 1,2; default: ${DEFAULT-VALUE})")
        java.util.List<Integer> evaluators;

        @Option(names = "--out", defaultValue = ".mmap/bench/pipeline.json", description = "the JSON result to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (trainers.stream().anyMatch(t -> t < 1 || t > 16)) {
                System.err.println("mmap bench pipeline: --trainers takes counts from 1 to 16");
                return 2;
            }
            if (evaluators.stream().anyMatch(e -> e < 1 || e > 8)) {
                System.err.println("mmap bench pipeline: --evaluators takes counts from 1 to 8");
                return 2;
            }
            if (ports.size() != 5) {
                System.err.println("mmap bench pipeline: --ports takes five ports: Kafka, PostgreSQL, trainer, grouping, eval");
                return 2;
            }
            if (experiments < 1 || runs < 1 || steps < 1 || epochs < 1 || requests < 1) {
                System.err.println("mmap bench pipeline: --experiments, --runs, --steps, --epochs and --requests must be at least 1");
                return 2;
            }
            java.util.List<Integer> levels;
            try {
                levels = PipelineBench.levels(streams != null ? streams : trainers.isEmpty() ? "0,50,200" : "0");
            } catch (NumberFormatException e) {
                System.err.println("mmap bench pipeline: --streams takes counts of streams separated by commas (as 0,50,200), got '"
                        + streams + "'");
                return 2;
            }
            return new PipelineBench(new PipelineBench.Settings(home, stateDir, new LocalServices.Ports(ports.get(0),
                    ports.get(1), ports.get(2), ports.get(3), ports.get(4)), experiments, runs, steps, epochs,
                    levels, requests, liveRate, trainers, evaluators, out)).run();
        }
    }

    @Command(name = "data", mixinStandardHelpOptions = true,
            description = "Decode + preprocess throughput of the image pipeline on photo-sized JPEGs.")
    static final class DataCommand implements Callable<Integer> {
        @Option(names = "--images", defaultValue = "200", description = "photo-sized JPEGs to generate and decode (default: ${DEFAULT-VALUE})")
        int images;

        @Option(names = "--width", defaultValue = "512", description = "image width in pixels (default: ${DEFAULT-VALUE})")
        int width;

        @Option(names = "--height", defaultValue = "384", description = "image height in pixels (default: ${DEFAULT-VALUE})")
        int height;

        @Option(names = "--resolution", defaultValue = "224", description = "CLIP input side in pixels (default: ${DEFAULT-VALUE})")
        int resolution;

        @Option(names = "--threads", defaultValue = "2", description = "decoding threads (default: ${DEFAULT-VALUE})")
        int threads;

        @Option(names = "--out", defaultValue = ".mmap/bench/data-pipeline.json", description = "the JSON result to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            DataPipelineBench.run(images, width, height, resolution, threads, out, System.out);
            return 0;
        }
    }

    @Command(name = "encoders", mixinStandardHelpOptions = true,
            description = "CLIP image and text encoder throughput (random weights of --arch); compare with bench/pytorch_encoders.py.")
    static final class EncodersCommand implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "ViT-B-16", description = "tiny, tiny-deep, ViT-B-32, ViT-B-16 or ViT-L-14 (default: ${DEFAULT-VALUE})")
        String arch;

        @Option(names = "--batch", defaultValue = "32", description = "images per batch (default: ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--iterations", defaultValue = "3", description = "timed repetitions, after a warm-up (default: ${DEFAULT-VALUE})")
        int iterations;

        @Option(names = "--device", defaultValue = "${env:MMAP_DEVICE:-cpu}", description = "cpu or gpu (default: ${DEFAULT-VALUE}; env MMAP_DEVICE)")
        String device;

        @Option(names = "--out", defaultValue = ".mmap/bench/encoders.json", description = "the JSON result to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            EncoderBench.run(ClipArchitecture.of(arch), batch, iterations,
                    org.mmapmtl.train.Devices.named(device), out, System.out);
            return 0;
        }
    }

    @Command(name = "train-step", mixinStandardHelpOptions = true,
            description = "Milliseconds per training step of --method on --tasks tasks, a batch of --batch images each "
                    + "(random weights of --arch, random pixels); compare with bench/pytorch_train_step.py.")
    static final class TrainStepCommand implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "ViT-B-16", description = "tiny, tiny-deep, ViT-B-32, ViT-B-16 or ViT-L-14 (default: ${DEFAULT-VALUE})")
        String arch;

        @Option(names = "--method", defaultValue = "mmap-mt", description = "the method timed, e.g. mmap-mt, coop-mt, vpt-mt, maple-mt (default: ${DEFAULT-VALUE})")
        String method;

        @Option(names = "--batch", defaultValue = "16", description = "images per step (default: ${DEFAULT-VALUE}, the paper's)")
        int batch;

        @Option(names = "--classes", defaultValue = "65", description = "class names whose text goes through the text encoder every step (default: ${DEFAULT-VALUE}, Office-Home)")
        int classes;

        @Option(names = "--iterations", defaultValue = "3", description = "timed repetitions, after a warm-up (default: ${DEFAULT-VALUE})")
        int iterations;

        @Option(names = "--device", defaultValue = "${env:MMAP_DEVICE:-cpu}", description = "cpu or gpu (default: ${DEFAULT-VALUE}; env MMAP_DEVICE)")
        String device;

        @Option(names = "--out", defaultValue = ".mmap/bench/train-step.json", description = "the JSON result to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--tasks", defaultValue = "1", description = "tasks in the step, a batch each (default: ${DEFAULT-VALUE}; 4 for Office-Home)")
        int tasks;

        @Option(names = "--snapshot", description = "time a gradient-snapshot step (each task's gradient kept: one backward per task)")
        boolean snapshot;

        @Option(names = "--per-task", description = "time the straightforward step (per-task forward and backward) that the fused one equals")
        boolean perTask;

        @Option(names = "--precision", defaultValue = "fp32", description = "fp32, or bf16: CLIP's block products in bfloat16 (an NVIDIA GPU from Ampere on, or a CPU with AVX-512 BF16 or AMX) (default: ${DEFAULT-VALUE})")
        String precision;

        @Option(names = "--profile", paramLabel = "TRACE", description = "run one more step under libtorch's profiler, write its trace (Chrome trace format) to TRACE and print the ops with the most self time")
        Path profile;

        @Option(names = "--max-grad-norm", paramLabel = "N", description = "clip each update's gradient to this global norm, as a recipe's maxGradNorm (default: no clipping)")
        Double maxGradNorm;

        @Override
        public Integer call() throws Exception {
            if (maxGradNorm != null && !(maxGradNorm > 0 && maxGradNorm <= 1e6)) {
                System.err.println("mmap bench train-step: --max-grad-norm must be a norm above 0 and up to 1e6, got " + maxGradNorm);
                return 2;
            }
            TrainStepBench.run(new TrainStepBench.Setup(ClipArchitecture.of(arch), method, batch, classes, tasks,
                    snapshot, perTask, iterations, org.mmapmtl.train.Devices.named(device), Precision.parse(precision),
                    maxGradNorm, profile), out, System.out);
            return 0;
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "Images per second of evaluation (no gradients, every class scored; the class text features"
                    + " computed once, as the eval service does per task) of --method with random weights of --arch.")
    static final class EvalCommand implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "ViT-B-16", description = "tiny, tiny-deep, ViT-B-32, ViT-B-16 or ViT-L-14 (default: ${DEFAULT-VALUE})")
        String arch;

        @Option(names = "--method", defaultValue = "mmap-mt", description = "the method timed, e.g. mmap-mt, coop-mt, vpt-mt, maple-mt (default: ${DEFAULT-VALUE})")
        String method;

        @Option(names = "--batch", defaultValue = "64", description = "test images per forward pass (default: ${DEFAULT-VALUE}, the eval service's)")
        int batch;

        @Option(names = "--classes", defaultValue = "65", description = "classes scored (default: ${DEFAULT-VALUE}, Office-Home)")
        int classes;

        @Option(names = "--iterations", defaultValue = "3", description = "timed repetitions, after a warm-up (default: ${DEFAULT-VALUE})")
        int iterations;

        @Option(names = "--device", defaultValue = "${env:MMAP_DEVICE:-cpu}", description = "cpu or gpu (default: ${DEFAULT-VALUE}; env MMAP_DEVICE)")
        String device;

        @Option(names = "--precision", defaultValue = "fp32", description = "fp32, or bf16: CLIP's block products in bfloat16 (an NVIDIA GPU from Ampere on, or a CPU with AVX-512 BF16 or AMX) (default: ${DEFAULT-VALUE})")
        String precision;

        @Option(names = "--out", defaultValue = ".mmap/bench/eval.json", description = "the JSON result to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            EvalBench.run(ClipArchitecture.of(arch), method, batch, classes, iterations,
                    org.mmapmtl.train.Devices.named(device), Precision.parse(precision), out, System.out);
            return 0;
        }
    }

    @Command(name = "params", mixinStandardHelpOptions = true,
            description = "Trainable parameters of every method for the four Office-Home tasks, next to the paper's Table 1.")
    static final class ParamsCommand implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "ViT-B-16", description = "tiny, tiny-deep, ViT-B-32, ViT-B-16 or ViT-L-14 (default: ${DEFAULT-VALUE})")
        String arch;

        @Option(names = "--out", defaultValue = ".mmap/bench/params.json", description = "the JSON result to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            ParameterTable.run(ClipArchitecture.of(arch), out, System.out);
            return 0;
        }
    }

    @Command(name = "partition-search", mixinStandardHelpOptions = true,
            description = "Exact search time for n = 8, 12, 16, 18; heuristic score ratio vs exact for n <= 18 and time for n = 32, 64.")
    static final class PartitionSearchCommand implements Callable<Integer> {
        @Option(names = "--out", defaultValue = ".mmap/bench/partition-search.json", description = "the JSON result to write (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--matrices", defaultValue = "5", description = "random matrices per size (default: ${DEFAULT-VALUE})")
        int matrices;

        @Override
        public Integer call() throws Exception {
            PartitionSearchBench.run(out, matrices, System.out);
            return 0;
        }
    }
}
