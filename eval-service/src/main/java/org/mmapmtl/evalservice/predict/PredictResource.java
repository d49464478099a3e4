package org.mmapmtl.evalservice.predict;

import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.mmapmtl.eval.Predictor;
import org.mmapmtl.evalservice.results.ReceivedCheckpoint;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.service.Problem;
import org.mmapmtl.service.ProblemException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /predict}: class probabilities of uploaded images under a checkpoint eval-service received, named by
 * its run (and epoch; the final one by default) or by its URI as announced. Only announced checkpoints are served,
 * so no request can make the service read another file.
 */
@Path("/predict")
@jakarta.annotation.security.RolesAllowed(org.mmapmtl.service.access.Roles.VIEWER)
public class PredictResource {
    @Inject
    PredictSettings settings;

    @Inject
    Predictions predictions;

    /** @param classes every class, most probable first (the first {@code top} when asked) */
    public record TaskPrediction(String predicted, double probability, List<Predictor.ClassProbability> classes) {
    }

    public record ImagePrediction(String image, Map<String, TaskPrediction> tasks) {
    }

    public record PredictionResult(String experimentId, String runId, int epoch, String method, String variant,
                                   List<String> tasks, List<String> classes, List<ImagePrediction> images) {
    }

    /**
     * @param run        the run whose checkpoint predicts (or give {@code checkpoint})
     * @param epoch      which epoch's checkpoint (default: the final one, else the newest)
     * @param checkpoint a checkpoint URI as announced on mmap.checkpoints
     * @param task       the task (domain) whose prompts to use; default every task of the run
     * @param classes    comma-separated class names; default the run's dataset's
     * @param top        how many classes to list per image and task (default all)
     */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public PredictionResult predict(@RestForm String experiment, @RestForm String run, @RestForm Integer epoch,
                                    @RestForm String checkpoint, @RestForm String task, @RestForm String classes,
                                    @RestForm Integer top, @RestForm("image") List<FileUpload> images) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if ((run == null || run.isBlank()) == (checkpoint == null || checkpoint.isBlank())) {
            errors.add(new Problem.FieldError("run", "give either run (with an optional epoch) or checkpoint"));
        }
        if (images == null || images.isEmpty()) {
            errors.add(new Problem.FieldError("image", "upload at least one image as the form field 'image'"));
        }
        if (top != null && top < 1) {
            errors.add(new Problem.FieldError("top", "must be >= 1"));
        }
        List<String> classNames = classes == null || classes.isBlank() ? null
                : Arrays.stream(classes.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (classNames != null && (classNames.isEmpty() || classNames.size() > settings.maxClasses())) {
            errors.add(new Problem.FieldError("classes", "give 1 to " + settings.maxClasses() + " comma-separated class names"));
        }
        if (!errors.isEmpty()) {
            throw Problem.badRequest("the prediction request is incomplete", errors);
        }
        if (images.size() > settings.maxImages()) {
            throw problem(Response.Status.REQUEST_ENTITY_TOO_LARGE, images.size() + " images in one request; at most "
                    + settings.maxImages() + " (mmap.predict.max-images)");
        }
        ReceivedCheckpoint record = find(experiment, run, epoch, checkpoint);
        Checkpoint c = record.checkpoint();
        if (task != null && !task.isBlank() && !c.tasks().contains(task)) {
            throw Problem.badRequest("task '" + task + "' is not one of run " + c.runId() + "'s tasks " + c.tasks(),
                    List.of(new Problem.FieldError("task", "use one of " + c.tasks())));
        }
        for (FileUpload f : images) {
            if (f.size() > settings.maxImageBytes()) {
                throw problem(Response.Status.REQUEST_ENTITY_TOO_LARGE, "image '" + f.fileName() + "' has " + f.size()
                        + " bytes; at most " + settings.maxImageBytes() + " (mmap.predict.max-image-bytes)");
            }
        }
        if (!predictions.admit()) {
            throw Problem.unavailable(settings.maxConcurrent() + " predictions are already decoding or running"
                    + " (mmap.predict.max-concurrent); retry shortly");
        }
        try {
            return predict(c, record, task, classNames, top, images);
        } finally {
            predictions.leave();
        }
    }

    private PredictionResult predict(Checkpoint c, ReceivedCheckpoint record, String task, List<String> classNames,
                                     Integer top, List<FileUpload> images) {
        List<BufferedImage> decoded = new ArrayList<>();
        long budget = settings.maxRequestPixels();
        for (FileUpload f : images) {
            BufferedImage image = decode(f, settings.maxImagePixels(), budget);
            budget -= (long) image.getWidth() * image.getHeight();
            decoded.add(image);
        }
        Map<String, List<Predictor.Prediction>> byTask;
        List<String> served;
        try {
            byTask = predictions.predict(c, task == null || task.isBlank() ? null : List.of(task), classNames, decoded);
            served = predictions.describe(c, classNames).classNames();
        } catch (Predictions.Unservable e) {
            throw problem(Response.Status.CONFLICT, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw problem(Response.Status.CONFLICT, "checkpoint of run " + c.runId() + " cannot predict: " + e.getMessage());
        }
        List<ImagePrediction> out = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            Map<String, TaskPrediction> tasks = new LinkedHashMap<>();
            for (Map.Entry<String, List<Predictor.Prediction>> e : byTask.entrySet()) {
                Predictor.Prediction p = e.getValue().get(i);
                List<Predictor.ClassProbability> listed = top == null ? p.classes()
                        : p.classes().subList(0, Math.min(top, p.classes().size()));
                tasks.put(e.getKey(), new TaskPrediction(p.predicted(), p.probability(), listed));
            }
            out.add(new ImagePrediction(images.get(i).fileName(), tasks));
        }
        return new PredictionResult(c.experimentId(), c.runId(), c.epoch(), c.method(), record.variant,
                List.copyOf(byTask.keySet()), served, out);
    }

    private static ReceivedCheckpoint find(String experiment, String run, Integer epoch, String uri) {
        List<ReceivedCheckpoint> found;
        String what;
        if (uri != null && !uri.isBlank()) {
            found = ReceivedCheckpoint.withUri(uri.trim());
            what = "checkpoint '" + uri + "'";
        } else if (epoch != null) {
            found = ReceivedCheckpoint.ofRunEpoch(run.trim(), epoch);
            what = "epoch " + epoch + " of run '" + run + "'";
        } else {
            found = ReceivedCheckpoint.ofRunNewestFirst(run.trim());
            what = "run '" + run + "'";
        }
        if (experiment != null && !experiment.isBlank()) {
            found = found.stream().filter(c -> c.experimentId.equals(experiment.trim())).toList();
            what += " in experiment '" + experiment + "'";
        }
        if (found.isEmpty()) {
            throw Problem.notFound("no checkpoint of " + what + " is known here: check the run id (./mmap results "
                    + "<experiment> lists its runs), or wait until the run has written its first checkpoint");
        }
        return found.get(0);
    }

    /**
     * Reads the image's size from its header and refuses one larger than {@code maxPixels}, or than what the request
     * has left of its pixel budget, before decoding it; any
     * failure of the decoder on a damaged file is a 415 naming the file, not a 500.
     */
    static BufferedImage decode(FileUpload f, long maxPixels, long pixelsLeft) {
        String name = f.fileName();
        try (ImageInputStream in = ImageIO.createImageInputStream(f.uploadedFile().toFile())) {
            java.util.Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator()
                    : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw problem(Response.Status.UNSUPPORTED_MEDIA_TYPE, "'" + name + "' is not an image this "
                        + "service reads (JPEG, PNG, BMP, GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels) {
                    throw problem(Response.Status.REQUEST_ENTITY_TOO_LARGE, "'" + name + "' is " + reader.getWidth(0)
                            + " × " + reader.getHeight(0) + " pixels; at most " + maxPixels
                            + " pixels (mmap.predict.max-image-pixels)");
                }
                if (pixels > pixelsLeft) {
                    throw problem(Response.Status.REQUEST_ENTITY_TOO_LARGE, "'" + name + "' (" + pixels + " pixels) "
                            + "takes the request's images over mmap.predict.max-request-pixels; send fewer or smaller "
                            + "images per request");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ProblemException p) {
                throw p;
            }
            throw problem(Response.Status.UNSUPPORTED_MEDIA_TYPE, "'" + name + "' cannot be read as an image: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private static ProblemException problem(Response.Status status, String detail) {
        return new ProblemException(Problem.of(status, detail));
    }
}
