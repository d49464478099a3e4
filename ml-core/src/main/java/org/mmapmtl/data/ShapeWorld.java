package org.mmapmtl.data;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The offline world in which the demo's tiny CLIP is pretrained and its prompts are then adapted. A picture holds
 * one object, described by its shape, colour, texture and size, drawn in a style. Two sets of styles never meet:
 * <ul>
 *   <li>the <em>pretraining</em> styles ({@link #PRETRAINING_STYLES}), in which image–caption pairs are drawn for the
 *   contrastive pretraining (captions name what is in the picture, in varied wording), and</li>
 *   <li>the <em>task</em> styles ({@link #TASK_STYLES}), the domains of the generated task dataset, whose looks the
 *   pretraining never saw: a model can carry over what it learned of shapes, but each style shifts the features
 *   in its own way, which is what prompts can adapt to.</li>
 * </ul>
 * The task dataset's classes are shapes (colour, texture, size and placement vary within a class); its folders are
 * in the usual {@code domain/class/image.png} layout. Deterministic: the same seed draws the same pixels and words.
 */
public final class ShapeWorld {
    public static final List<String> SHAPES = List.of("circle", "square", "triangle", "star", "cross", "ring",
            "hexagon", "arrow");
    /** How many shapes the demo's tasks classify (the first ones of {@link #SHAPES}). */
    public static final int DEMO_CLASSES = 6;
    static final String[] COLOURS = {"red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink"};
    static final float[] HUES = {0.0f, 0.07f, 0.15f, 0.33f, 0.5f, 0.62f, 0.77f, 0.9f};
    static final String[] TEXTURES = {"plain", "striped", "dotted", "checkered"};
    static final String[] SIZES = {"small", "large"};

    /** Styles of the pretraining corpus ({@link Captions} has the words for them). */
    public static final List<String> PRETRAINING_STYLES = List.of("photo", "flat", "cartoon");
    /**
     * Styles only the second pretraining stage of version 4 draws, for its text tower (the image tower stays version
     * 3's): their captions always name them, so the text tower learns how a style's words change what an object looks
     * like to the image tower, and a learned context can act as the name of a style it never read.
     */
    public static final List<String> TEXT_STAGE_STYLES = List.of("neon", "silhouette", "negative", "blueprint",
            "chalk", "halftone", "embroidery", "stamp");
    /** Styles of the task domains: never seen in pretraining. */
    public static final List<String> TASK_STYLES = List.of("clipart", "sketch", "painting", "pixel");

    private ShapeWorld() {
    }

    /** What is drawn in one picture. */
    public record Scene(int shape, int colour, int texture, int size, String style) {
        public String shapeName() {
            return SHAPES.get(shape);
        }
    }

    /** One pretraining pair and the style its picture is drawn in. */
    public record Pair(BufferedImage image, String caption, String style) {
    }

    /** A random scene in the given style. */
    static Scene scene(SplitMix64 random, String style) {
        return new Scene(random.below(SHAPES.size()), random.below(COLOURS.length), texture(random),
                random.below(SIZES.length), style);
    }

    /** Half the objects are plain, the rest striped, dotted or checkered. */
    static int texture(SplitMix64 random) {
        return random.below(2) == 0 ? 0 : 1 + random.below(TEXTURES.length - 1);
    }

    /**
     * The i-th pretraining pair of a corpus: a random scene in a random pretraining style and a caption naming the
     * shape and, each with some chance, its colour, texture, size and the style, worded as {@code captions} says.
     */
    public static Pair pretrainingPair(long seed, long index, int size, Captions captions) {
        SplitMix64 random = new SplitMix64(Seeds.derive(seed, "pretraining/" + index));
        List<String> styles = captions.styles();
        Scene scene = scene(random, styles.get(random.below(styles.size())));
        BufferedImage image = render(scene, size, random);
        return new Pair(image, captions.write(scene, random), scene.style());
    }

    public record Summary(List<String> domains, List<String> classes, int images) {
    }

    /**
     * Writes the task dataset: {@code styles} domains (taken from {@link #TASK_STYLES} in order) × the first
     * {@code classes} shapes × {@code perClass} images of {@code size} pixels.
     */
    public static Summary writeTasks(Path out, List<String> styles, int classes, int perClass, long seed, int size) {
        if (classes < 2 || classes > SHAPES.size()) {
            throw new DatasetException("the shape world has 2 to " + SHAPES.size() + " classes, not " + classes);
        }
        for (String s : styles) {
            if (!TASK_STYLES.contains(s) && !PRETRAINING_STYLES.contains(s) && !TEXT_STAGE_STYLES.contains(s)) {
                throw new DatasetException("unknown style '" + s + "': use " + TASK_STYLES + " (or " + PRETRAINING_STYLES
                        + ", " + TEXT_STAGE_STYLES + ")");
            }
        }
        int written = 0;
        for (String style : styles) {
            for (int c = 0; c < classes; c++) {
                Path dir = out.resolve(style).resolve(SHAPES.get(c));
                try {
                    Files.createDirectories(dir);
                    for (int i = 0; i < perClass; i++) {
                        SplitMix64 random = new SplitMix64(Seeds.derive(seed, "tasks/" + style + "/" + c + "/" + i));
                        Scene scene = new Scene(c, random.below(COLOURS.length), texture(random),
                                random.below(SIZES.length), style);
                        ImageIO.write(render(scene, size, random), "png",
                                dir.resolve(String.format(Locale.ROOT, "%s_%s_%03d.png", style, SHAPES.get(c), i)).toFile());
                        written++;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write images under " + dir, e);
                }
            }
        }
        return new Summary(List.copyOf(styles), SHAPES.subList(0, classes), written);
    }

    /** The i-th image of a class in a style, from a stream of its own (neither the corpus nor a written dataset). */
    public static BufferedImage probeImage(long seed, String style, int shape, int index, int size) {
        SplitMix64 random = new SplitMix64(Seeds.derive(seed, "probe/" + style + "/" + shape + "/" + index));
        Scene scene = new Scene(shape, random.below(COLOURS.length), texture(random), random.below(SIZES.length), style);
        return render(scene, size, random);
    }

    /** Draws a scene; the random generator supplies placement, rotation and the style's noise. */
    public static BufferedImage render(Scene s, int size, SplitMix64 random) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        double extent = size * (s.size() == 0 ? 0.5 + 0.1 * SyntheticDomains.unit(random) : 0.72 + 0.14 * SyntheticDomains.unit(random));
        double cx = size / 2.0 + (SyntheticDomains.unit(random) - 0.5) * (size - extent) * 0.5;
        double cy = size / 2.0 + (SyntheticDomains.unit(random) - 0.5) * (size - extent) * 0.5;
        AffineTransform at = new AffineTransform();
        at.translate(cx, cy);
        at.rotate((SyntheticDomains.unit(random) - 0.5) * 0.8); // objects stand roughly upright, as in photos
        at.scale(extent / 2, extent / 2);
        Shape shape = at.createTransformedShape(unitShape(s.shape()));
        float hue = HUES[s.colour()] + (float) (SyntheticDomains.unit(random) - 0.5) * 0.03f;
        Color fill = Color.getHSBColor(hue, 0.8f, 0.92f);
        float line = Math.max(1.5f, size / 24f);
        switch (s.style()) {
            case "photo" -> {
                g.setPaint(new GradientPaint(0, 0, grey(random, 150, 220), 0, size, grey(random, 60, 130)));
                g.fillRect(0, 0, size, size);
                g.setPaint(new GradientPaint((float) (cx - extent / 2), (float) (cy - extent / 2), fill.brighter(),
                        (float) (cx + extent / 2), (float) (cy + extent / 2), fill.darker().darker()));
                g.fill(shape);
                texture(g, shape, s.texture(), size, fill.darker().darker());
                SyntheticDomains.noise(image, random, 14);
            }
            case "flat" -> {
                g.setColor(Color.getHSBColor((float) SyntheticDomains.unit(random), 0.12f, 0.96f));
                g.fillRect(0, 0, size, size);
                g.setColor(fill);
                g.fill(shape);
                texture(g, shape, s.texture(), size, Color.getHSBColor(hue, 0.9f, 0.55f));
            }
            case "cartoon" -> {
                g.setColor(Color.getHSBColor((float) SyntheticDomains.unit(random), 0.35f, 0.95f));
                g.fillRect(0, 0, size, size);
                g.setColor(fill);
                g.fill(shape);
                texture(g, shape, s.texture(), size, Color.getHSBColor(hue, 0.9f, 0.55f));
                g.setColor(Color.getHSBColor(hue, 0.9f, 0.35f));
                g.setStroke(new BasicStroke(line * 1.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(shape);
            }
            case "clipart" -> { // white ground strewn with confetti, flat colour, very thick black outline
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, size, size);
                for (int k = 0; k < 14; k++) {
                    g.setColor(Color.getHSBColor((float) SyntheticDomains.unit(random), 0.7f, 0.9f));
                    double r = size * (0.03 + 0.04 * SyntheticDomains.unit(random));
                    g.fill(new Ellipse2D.Double(SyntheticDomains.unit(random) * size, SyntheticDomains.unit(random) * size, r, r));
                }
                g.setColor(fill);
                g.fill(shape);
                texture(g, shape, s.texture(), size, Color.getHSBColor(hue, 1f, 0.5f));
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(line * 2.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(shape);
            }
            case "sketch" -> { // charcoal on paper: dark shading hatched over, a jittery outline, no colour
                g.setColor(new Color(245, 243, 236));
                g.fillRect(0, 0, size, size);
                Shape clip = g.getClip();
                g.setColor(new Color(95, 94, 90));
                g.fill(shape);
                g.clip(shape);
                g.setColor(new Color(60, 60, 58));
                g.setStroke(new BasicStroke(Math.max(1f, line * 0.5f)));
                int gap = Math.max(3, size / 14);
                for (int k = -size; k < size; k += gap) {
                    g.drawLine(k, size, k + size, 0);
                }
                g.setClip(clip);
                g.setColor(new Color(50, 50, 50));
                g.setStroke(new BasicStroke(Math.max(1f, line * 0.7f)));
                for (int k = 0; k < 2; k++) {
                    AffineTransform jitter = AffineTransform.getTranslateInstance((SyntheticDomains.unit(random) - 0.5) * 2,
                            (SyntheticDomains.unit(random) - 0.5) * 2);
                    g.draw(jitter.createTransformedShape(shape));
                }
                SyntheticDomains.noise(image, random, 6);
            }
            case "painting" -> { // brushed canvas in muted hues, the object in low contrast, edges blurred
                g.setColor(Color.getHSBColor((float) SyntheticDomains.unit(random), 0.2f, 0.7f));
                g.fillRect(0, 0, size, size);
                for (int k = 0; k < 8; k++) {
                    g.setColor(Color.getHSBColor((float) SyntheticDomains.unit(random), 0.25f, 0.55f + (float) SyntheticDomains.unit(random) * 0.35f));
                    double r = size * (0.15 + 0.25 * SyntheticDomains.unit(random));
                    g.fill(new Ellipse2D.Double(SyntheticDomains.unit(random) * size - r / 2, SyntheticDomains.unit(random) * size - r / 2, r, r * 0.6));
                }
                g.setColor(Color.getHSBColor(hue, 0.45f, 0.75f));
                g.fill(shape);
                texture(g, shape, s.texture(), size, Color.getHSBColor(hue, 0.6f, 0.55f));
                SyntheticDomains.blur(image, 2);
                SyntheticDomains.noise(image, random, 8);
            }
            case "pixel" -> { // the filled shape drawn on a coarse grid and enlarged: blocky, no anti-aliasing
                int cells = Math.max(8, size / 3);
                BufferedImage small = new BufferedImage(cells, cells, BufferedImage.TYPE_INT_RGB);
                Graphics2D sg = small.createGraphics();
                sg.setColor(Color.getHSBColor((float) SyntheticDomains.unit(random), 0.25f, 0.85f));
                sg.fillRect(0, 0, cells, cells);
                sg.setColor(fill);
                sg.fill(AffineTransform.getScaleInstance(cells / (double) size, cells / (double) size)
                        .createTransformedShape(shape));
                sg.dispose();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
                g.drawImage(small, 0, 0, size, size, null);
            }
            case "neon" -> { // glowing coloured tubes along the outline on a dark wall, nothing filled
                g.setColor(new Color(12, 10, 22));
                g.fillRect(0, 0, size, size);
                g.setStroke(new BasicStroke(line * 2.4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.setColor(Color.getHSBColor(hue, 0.9f, 0.45f));
                g.draw(shape);
                g.setStroke(new BasicStroke(line * 0.9f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.setColor(Color.getHSBColor(hue, 0.35f, 1f));
                g.draw(shape);
            }
            case "silhouette" -> { // a black shape on a pale ground: no colour, no texture
                g.setColor(Color.getHSBColor((float) SyntheticDomains.unit(random), 0.15f, 0.97f));
                g.fillRect(0, 0, size, size);
                g.setColor(new Color(18, 18, 18));
                g.fill(shape);
            }
            case "negative" -> { // a flat drawing with every colour inverted
                g.setColor(Color.getHSBColor((float) SyntheticDomains.unit(random), 0.12f, 0.96f));
                g.fillRect(0, 0, size, size);
                g.setColor(fill);
                g.fill(shape);
                texture(g, shape, s.texture(), size, Color.getHSBColor(hue, 0.9f, 0.55f));
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        image.setRGB(x, y, ~image.getRGB(x, y));
                    }
                }
            }
            case "blueprint" -> { // white lines on blue paper ruled in a grid: the outline only
                g.setColor(new Color(22, 62, 140));
                g.fillRect(0, 0, size, size);
                g.setColor(new Color(70, 110, 190));
                g.setStroke(new BasicStroke(1f));
                for (int k = 0; k < size; k += Math.max(4, size / 8)) {
                    g.drawLine(k, 0, k, size);
                    g.drawLine(0, k, size, k);
                }
                g.setColor(new Color(235, 240, 255));
                g.setStroke(new BasicStroke(Math.max(1f, line * 0.8f)));
                g.draw(shape);
            }
            case "chalk" -> { // pale coloured chalk on a green-black board, strokes broken by the board's grain
                g.setColor(new Color(28, 44, 36));
                g.fillRect(0, 0, size, size);
                g.setColor(Color.getHSBColor(hue, 0.35f, 0.95f));
                g.setStroke(new BasicStroke(line * 1.3f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(shape);
                int board = new Color(28, 44, 36).getRGB();
                for (int k = size * size / 5; k > 0; k--) {
                    image.setRGB(random.below(size), random.below(size), board);
                }
                SyntheticDomains.noise(image, random, 10);
            }
            case "halftone" -> { // the filled shape printed as a grid of coloured dots on white
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, size, size);
                g.setColor(fill);
                int pitch = Math.max(3, size / 12);
                for (int y = pitch / 2; y < size; y += pitch) {
                    for (int x = pitch / 2; x < size; x += pitch) {
                        if (shape.contains(x, y)) {
                            g.fillOval(x - pitch / 3, y - pitch / 3, 2 * pitch / 3 + 1, 2 * pitch / 3 + 1);
                        }
                    }
                }
            }
            case "embroidery" -> { // coloured stitches along the outline and across the shape, on woven cloth
                g.setColor(new Color(214, 200, 170));
                g.fillRect(0, 0, size, size);
                g.setColor(new Color(190, 176, 146));
                for (int k = 0; k < size; k += 2) {
                    g.drawLine(k, 0, k, size);
                }
                Shape clip = g.getClip();
                g.clip(shape);
                g.setColor(Color.getHSBColor(hue, 0.7f, 0.8f));
                g.setStroke(new BasicStroke(Math.max(1f, line * 0.6f)));
                int gap = Math.max(3, size / 12);
                for (int k = -size; k < size; k += gap) {
                    g.drawLine(k, 0, k + size, size);
                }
                g.setClip(clip);
                g.setColor(Color.getHSBColor(hue, 0.9f, 0.5f));
                g.setStroke(new BasicStroke(line, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f,
                        new float[] {line * 1.5f, line}, 0f));
                g.draw(shape);
            }
            case "stamp" -> { // one ink, pressed unevenly: the filled shape with the paper showing through
                Color paper = new Color(240, 234, 220);
                g.setColor(paper);
                g.fillRect(0, 0, size, size);
                g.setColor(Color.getHSBColor(hue, 0.85f, 0.6f));
                g.fill(shape);
                for (int k = size * size / 6; k > 0; k--) {
                    int x = random.below(size);
                    int y = random.below(size);
                    if (shape.contains(x, y)) {
                        image.setRGB(x, y, paper.getRGB());
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown style " + s.style());
        }
        g.dispose();
        return image;
    }

    private static Color grey(SplitMix64 random, int low, int high) {
        int v = low + random.below(high - low + 1);
        return new Color(v, v, v);
    }

    private static Shape unitShape(int kind) {
        return switch (kind) {
            case 0 -> new Ellipse2D.Double(-1, -1, 2, 2);
            case 1 -> new Rectangle2D.Double(-0.8, -0.8, 1.6, 1.6);
            case 2 -> polygon(new double[] {0, -1, 0.87, 0.5, -0.87, 0.5});
            case 3 -> star();
            case 4 -> {
                Area a = new Area(new Rectangle2D.Double(-1, -0.32, 2, 0.64));
                a.add(new Area(new Rectangle2D.Double(-0.32, -1, 0.64, 2)));
                yield a;
            }
            case 5 -> {
                Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
                a.subtract(new Area(new Ellipse2D.Double(-0.55, -0.55, 1.1, 1.1)));
                yield a;
            }
            case 6 -> {
                double[] xy = new double[12];
                for (int i = 0; i < 6; i++) {
                    xy[2 * i] = Math.cos(Math.PI * i / 3);
                    xy[2 * i + 1] = Math.sin(Math.PI * i / 3);
                }
                yield polygon(xy);
            }
            default -> polygon(new double[] {-1, -0.3, 0.1, -0.3, 0.1, -0.75, 1, 0, 0.1, 0.75, 0.1, 0.3, -1, 0.3});
        };
    }

    private static Shape polygon(double[] xy) {
        Polygon p = new Polygon();
        for (int i = 0; i < xy.length; i += 2) {
            p.addPoint((int) Math.round(xy[i] * 1000), (int) Math.round(xy[i + 1] * 1000));
        }
        return AffineTransform.getScaleInstance(0.001, 0.001).createTransformedShape(p);
    }

    private static Shape star() {
        double[] xy = new double[20];
        for (int i = 0; i < 10; i++) {
            double r = i % 2 == 0 ? 1 : 0.42;
            double a = Math.PI * i / 5 - Math.PI / 2;
            xy[2 * i] = Math.cos(a) * r;
            xy[2 * i + 1] = Math.sin(a) * r;
        }
        return polygon(xy);
    }

    private static void texture(Graphics2D g, Shape shape, int texture, int size, Color color) {
        if (texture == 0) {
            return;
        }
        Shape clip = g.getClip();
        g.clip(shape);
        g.setColor(color);
        int step = Math.max(4, size / 8);
        for (int y = 0; y < size; y += step) {
            for (int x = 0; x < size; x += step) {
                switch (texture) {
                    case 1 -> g.fillRect(x, y, step, Math.max(1, step / 3));
                    case 2 -> g.fillOval(x + step / 4, y + step / 4, step / 2, step / 2);
                    default -> {
                        if (((x / step) + (y / step)) % 2 == 0) {
                            g.fillRect(x, y, step, step);
                        }
                    }
                }
            }
        }
        g.setClip(clip);
    }

}
