package org.mmapmtl.train;

import ai.djl.Device;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.data.ImagePipeline;
import org.mmapmtl.data.Split;
import org.mmapmtl.data.TaskSplit;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Stands in for CLIP's pretraining where no pretrained weights can be had: fine-tunes every weight of a (random)
 * CLIP on some domains of a generated dataset with "a photo of a {class}." as the captions, and writes the result
 * as a CLIP weights file. A random CLIP maps every image to nearly the same feature (cosine ≈ 0.99 on the tiny
 * config), which no prompt can separate; after this its features carry the classes, as a real CLIP's do, and the
 * prompt methods have something to adapt to the other domains.
 */
public final class GeneratedPretraining {
    private GeneratedPretraining() {
    }

    public static Trainer.Result run(Path baseWeights, ClipTokenizer tokenizer, Split split, List<String> domains,
                                     TrainingConfig config, Path out, Consumer<Trainer.StepReport> progress) {
        List<TaskSplit> chosen = domains.stream().map(split::task).toList();
        try (ClipModel clip = ClipModel.load(ClipWeights.read(baseWeights), Device.cpu());
             ImagePipeline pipeline = new ImagePipeline(split.root(), clip.config().vision().resolution(), 2);
             PromptMethod method = PromptMethod.create(MethodSpec.parse("full-ft"), clip, tokenizer, domains, List.of(), config.seed());
             PromptedClip model = new PromptedClip(clip, method, tokenizer, split.classNames());
             Trainer trainer = new Trainer(model, chosen.stream().map(t -> new Trainer.TaskData(t.task(), t.train())).toList(),
                     pipeline, config, CheckpointFile.sha256(baseWeights))) {
            Trainer.Result result = trainer.run(null, null, new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepReport report) {
                    progress.accept(report);
                }
            });
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("clip.init", "fine-tuned from " + baseWeights.getFileName() + " on generated domains " + domains
                    + " of " + split.root().getFileName() + ", " + config.epochs() + " epochs, seed " + config.seed());
            clip.save(out, meta);
            return result;
        }
    }
}
