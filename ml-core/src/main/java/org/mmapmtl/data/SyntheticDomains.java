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

/**
 * A generated multi-domain dataset in the folder layout: classes differ by shape and texture, domains by rendering
 * style (photo-like shading and noise, flat clipart with outlines, pencil sketch, blurred painting), so that a model
 * must tell the class apart under each domain's look. Deterministic: the same seed writes the same pixels.
 */
public final class SyntheticDomains {
    static final String[] STYLES = {"photo", "clipart", "sketch", "painting"};
    static final String[] SHAPES = {"circle", "square", "triangle", "star", "cross", "ring", "diamond", "hexagon"};
    static final String[] TEXTURES = {"plain", "striped", "dotted", "checkered"};

    private SyntheticDomains() {
    }

    /** Which hue an object gets: the one thing that decides how much colour tells about the class. */
    public enum Palette {
        /** Each shape has one hue in every coloured domain: colour alone names the class there (a shortcut). */
        CLASS,
        /**
         * Each domain assigns the shapes' hues by its own seeded permutation: colour names the class only within a
         * domain, so what a model learns of colour on one domain misleads it on another, and it must learn each
         * domain's cue (or rely on shape and texture).
         */
        DOMAIN,
        /** A random hue per image: only shape and texture name the class. */
        RANDOM
    }

    public record Summary(List<String> domains, List<String> classes, int images) {
    }

    public static Summary generate(Path out, int domains, int classes, int perClass, long seed, int size) {
        return generate(out, domains, classes, perClass, seed, size, Palette.CLASS);
    }

    public static Summary generate(Path out, int domains, int classes, int perClass, long seed, int size, Palette palette) {
        if (domains < 1 || classes < 1 || perClass < 1 || size < 16) {
            throw new DatasetException("need at least 1 domain, 1 class, 1 image per class and 16 px images");
        }
        if (classes > SHAPES.length * TEXTURES.length) {
            throw new DatasetException("at most " + SHAPES.length * TEXTURES.length + " classes can be generated");
        }
        List<String> domainNames = new ArrayList<>();
        for (int d = 0; d < domains; d++) {
            domainNames.add(STYLES[d % STYLES.length] + (d < STYLES.length ? "" : "_" + (d / STYLES.length + 1)));
        }
        List<String> classNames = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            String texture = TEXTURES[c / SHAPES.length];
            classNames.add((texture.equals("plain") ? "" : texture + "_") + SHAPES[c % SHAPES.length]);
        }
        int written = 0;
        for (int d = 0; d < domains; d++) {
            int[] hues = hues(palette, seed, domainNames.get(d));
            for (int c = 0; c < classes; c++) {
                Path dir = out.resolve(domainNames.get(d)).resolve(classNames.get(c));
                try {
                    Files.createDirectories(dir);
                    for (int i = 0; i < perClass; i++) {
                        SplitMix64 random = SplitMix64.forClass(seed, domainNames.get(d), classNames.get(c) + "#" + i);
                        float hue = palette == Palette.RANDOM ? (float) unit(random)
                                : hues[c % SHAPES.length] / (float) SHAPES.length;
                        BufferedImage image = render(d, c, hue, size, random);
                        ImageIO.write(image, "png", dir.resolve(String.format("%s_%s_%03d.png", domainNames.get(d),
                                classNames.get(c), i)).toFile());
                        written++;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write images under " + dir, e);
                }
            }
        }
        return new Summary(domainNames, classNames, written);
    }

    /** Per shape, its hue's index among {@code SHAPES.length} evenly spaced hues, in one domain. */
    static int[] hues(Palette palette, long seed, String domain) {
        int[] hues = new int[SHAPES.length];
        for (int i = 0; i < hues.length; i++) {
            hues[i] = i;
        }
        if (palette == Palette.DOMAIN) {
            SplitMix64 random = SplitMix64.forClass(seed, domain, "*palette*");
            for (int i = hues.length - 1; i > 0; i--) {
                int j = random.below(i + 1);
                int t = hues[i];
                hues[i] = hues[j];
                hues[j] = t;
            }
        }
        return hues;
    }

    static BufferedImage render(int domain, int cls, float baseHue, int size, SplitMix64 random) {
        int style = domain % STYLES.length;
        // domains beyond the four styles shift the palette, so they look alike but not the same
        float hueShift = (domain / STYLES.length) * 0.13f;
        float hue = baseHue + hueShift;
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        double scale = size * (0.45 + 0.3 * unit(random));
        double cx = size / 2.0 + (unit(random) - 0.5) * size * 0.2;
        double cy = size / 2.0 + (unit(random) - 0.5) * size * 0.2;
        AffineTransform at = new AffineTransform();
        at.translate(cx, cy);
        at.rotate(unit(random) * Math.PI * 2);
        at.scale(scale / 2, scale / 2);
        Shape shape = at.createTransformedShape(unitShape(cls % SHAPES.length));
        Color fill = Color.getHSBColor(hue, 0.75f, 0.9f);
        switch (style) {
            case 0 -> { // photo: shaded background and object, sensor noise
                g.setPaint(new GradientPaint(0, 0, Color.getHSBColor(hue + 0.5f, 0.25f, 0.75f), 0, size,
                        Color.getHSBColor(hue + 0.45f, 0.35f, 0.35f)));
                g.fillRect(0, 0, size, size);
                g.setPaint(new GradientPaint((float) (cx - scale / 2), (float) (cy - scale / 2), fill.brighter(),
                        (float) (cx + scale / 2), (float) (cy + scale / 2), fill.darker().darker()));
                g.fill(shape);
                texture(g, shape, cls, size, fill.darker());
                noise(image, random, 24);
            }
            case 1 -> { // clipart: flat colours, thick outline, plain background
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, size, size);
                g.setColor(fill);
                g.fill(shape);
                texture(g, shape, cls, size, Color.getHSBColor(hue, 1f, 0.5f));
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(Math.max(2f, size / 20f)));
                g.draw(shape);
            }
            case 2 -> { // sketch: grey pencil strokes on paper, no colour
                g.setColor(new Color(245, 243, 236));
                g.fillRect(0, 0, size, size);
                g.setColor(new Color(60, 60, 60));
                g.setStroke(new BasicStroke(Math.max(1f, size / 64f)));
                for (int k = 0; k < 3; k++) {
                    AffineTransform jitter = AffineTransform.getTranslateInstance((unit(random) - 0.5) * 2, (unit(random) - 0.5) * 2);
                    g.draw(jitter.createTransformedShape(shape));
                }
                texture(g, shape, cls, size, new Color(110, 110, 110));
            }
            default -> { // painting: blotchy canvas, shifted hue, soft edges
                for (int k = 0; k < 12; k++) {
                    g.setColor(Color.getHSBColor(hue + 0.3f + (float) unit(random) * 0.2f, 0.4f, 0.5f + (float) unit(random) * 0.4f));
                    double r = size * (0.2 + 0.3 * unit(random));
                    g.fill(new Ellipse2D.Double(unit(random) * size - r / 2, unit(random) * size - r / 2, r, r));
                }
                g.setColor(Color.getHSBColor(hue + 0.05f, 0.6f, 0.8f));
                g.fill(shape);
                texture(g, shape, cls, size, Color.getHSBColor(hue + 0.1f, 0.7f, 0.45f));
                blur(image, 2);
                noise(image, random, 10);
            }
        }
        g.dispose();
        return image;
    }

    private static Shape unitShape(int kind) {
        return switch (kind) {
            case 0 -> new Ellipse2D.Double(-1, -1, 2, 2);
            case 1 -> new Rectangle2D.Double(-0.85, -0.85, 1.7, 1.7);
            case 2 -> polygon(3, 1, 0);
            case 3 -> star();
            case 4 -> {
                Area a = new Area(new Rectangle2D.Double(-1, -0.3, 2, 0.6));
                a.add(new Area(new Rectangle2D.Double(-0.3, -1, 0.6, 2)));
                yield a;
            }
            case 5 -> {
                Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
                a.subtract(new Area(new Ellipse2D.Double(-0.55, -0.55, 1.1, 1.1)));
                yield a;
            }
            case 6 -> polygon(4, 1, 0);
            default -> polygon(6, 1, 0);
        };
    }

    private static Shape polygon(int corners, double radius, double phase) {
        Polygon p = new Polygon();
        for (int i = 0; i < corners; i++) {
            double a = phase + 2 * Math.PI * i / corners - Math.PI / 2;
            p.addPoint((int) Math.round(Math.cos(a) * radius * 1000), (int) Math.round(Math.sin(a) * radius * 1000));
        }
        return AffineTransform.getScaleInstance(0.001, 0.001).createTransformedShape(p);
    }

    private static Shape star() {
        Polygon p = new Polygon();
        for (int i = 0; i < 10; i++) {
            double r = i % 2 == 0 ? 1000 : 420;
            double a = Math.PI * i / 5 - Math.PI / 2;
            p.addPoint((int) Math.round(Math.cos(a) * r), (int) Math.round(Math.sin(a) * r));
        }
        return AffineTransform.getScaleInstance(0.001, 0.001).createTransformedShape(p);
    }

    /** The class's texture inside its shape: none, stripes, dots or a checkerboard. */
    private static void texture(Graphics2D g, Shape shape, int cls, int size, Color color) {
        int texture = cls / SHAPES.length;
        if (texture == 0) {
            return;
        }
        Shape clip = g.getClip();
        g.clip(shape);
        g.setColor(color);
        int step = Math.max(4, size / 10);
        for (int y = 0; y < size; y += step) {
            for (int x = 0; x < size; x += step) {
                switch (texture) {
                    case 1 -> g.fillRect(x, y, step, step / 3);
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

    static void noise(BufferedImage image, SplitMix64 random, int amplitude) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int n = random.below(2 * amplitude + 1) - amplitude;
                int r = clamp(((rgb >> 16) & 0xff) + n);
                int gr = clamp(((rgb >> 8) & 0xff) + n);
                int b = clamp((rgb & 0xff) + n);
                image.setRGB(x, y, (r << 16) | (gr << 8) | b);
            }
        }
    }

    static void blur(BufferedImage image, int radius) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] src = image.getRGB(0, 0, w, h, null, 0, w);
        int[] dst = new int[src.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = 0, gr = 0, b = 0, n = 0;
                for (int dy = -radius; dy <= radius; dy++) {
                    for (int dx = -radius; dx <= radius; dx++) {
                        int xx = Math.min(w - 1, Math.max(0, x + dx));
                        int yy = Math.min(h - 1, Math.max(0, y + dy));
                        int p = src[yy * w + xx];
                        r += (p >> 16) & 0xff;
                        gr += (p >> 8) & 0xff;
                        b += p & 0xff;
                        n++;
                    }
                }
                dst[y * w + x] = ((r / n) << 16) | ((gr / n) << 8) | (b / n);
            }
        }
        image.setRGB(0, 0, w, h, dst, 0, w);
    }

    static double unit(SplitMix64 random) {
        return (random.next() >>> 11) * 0x1.0p-53;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(255, v);
    }
}
