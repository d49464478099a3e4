package org.mmapmtl.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * An on-disk cache of preprocessed images: the 8-bit resized and center-cropped pixels of the evaluation transform,
 * which is exact (the float tensor is a fixed function of them) and a quarter of the float32 size (147 KiB per
 * 224-px image). An entry is keyed by the image's absolute path, size, modification time and the resolution, so an
 * edited or replaced image is decoded afresh. Entries are written whole and then renamed into place, so readers
 * (other threads, other processes sharing the folder) never see half an entry; a damaged entry is reported, ignored
 * and rewritten — the cache only ever costs a decode, never a result.
 */
public final class PreprocessedCache {
    private static final Logger LOG = Logger.getLogger(PreprocessedCache.class.getName());
    private static final byte[] MAGIC = "MMAPPX01".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 4;

    /** What the cache did since it was opened. */
    public record Stats(long hits, long misses, long damaged) {
    }

    private final Path dir;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong damaged = new AtomicLong();

    public PreprocessedCache(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the preprocessed-image cache folder " + dir
                    + " (set another folder, or none to decode every time)", e);
        }
        if (!Files.isWritable(dir)) {
            throw new DatasetException("the preprocessed-image cache folder " + dir + " is not writable");
        }
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Stats stats() {
        return new Stats(hits.get(), misses.get(), damaged.get());
    }

    /** The cached pixels of an image at a resolution, or null when absent, stale or damaged. */
    public byte[] get(Path image, int resolution) {
        Path entry;
        try {
            entry = entry(image, resolution);
        } catch (IOException e) {
            misses.incrementAndGet();
            return null; // the image itself is missing or unreadable: the decoder will say so
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(entry);
        } catch (NoSuchFileException e) {
            misses.incrementAndGet();
            return null;
        } catch (IOException e) {
            return damaged(entry, "cannot be read: " + e.getMessage());
        }
        int plane = 3 * resolution * resolution;
        if (bytes.length != HEADER + plane) {
            return damaged(entry, bytes.length + " bytes, expected " + (HEADER + plane));
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[MAGIC.length];
        buffer.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC) || buffer.getInt() != resolution) {
            return damaged(entry, "not an entry of this cache format at resolution " + resolution);
        }
        hits.incrementAndGet();
        return java.util.Arrays.copyOfRange(bytes, HEADER, bytes.length);
    }

    /** Stores an image's pixels; a failure to write is logged and otherwise ignored (the next run decodes again). */
    public void put(Path image, int resolution, byte[] pixels) {
        if (pixels.length != 3 * resolution * resolution) {
            throw new IllegalArgumentException("expected " + 3 * resolution * resolution + " pixel bytes, got " + pixels.length);
        }
        Path entry = null;
        Path temporary = null;
        try {
            entry = entry(image, resolution);
            Files.createDirectories(entry.getParent());
            temporary = Files.createTempFile(entry.getParent(), entry.getFileName().toString(), ".part");
            ByteBuffer buffer = ByteBuffer.allocate(HEADER + pixels.length);
            buffer.put(MAGIC).putInt(resolution).put(pixels);
            Files.write(temporary, buffer.array());
            try {
                Files.move(temporary, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, entry, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warning("cannot write cache entry " + entry + " for " + image + ": " + e.getMessage());
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the leftover .part file is harmless: no reader looks at it
                }
            }
        }
    }

    /** The entry file of an image at a resolution: a hash of what identifies that exact image version. */
    Path entry(Path image, int resolution) throws IOException {
        Path absolute = image.toAbsolutePath().normalize();
        BasicFileAttributes attributes = Files.readAttributes(absolute, BasicFileAttributes.class);
        String identity = "mmap.preprocessed/1\n" + absolute + "\n" + attributes.size() + "\n"
                + attributes.lastModifiedTime().toMillis() + "\n" + resolution;
        String hash;
        try {
            hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(identity.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        return dir.resolve(hash.substring(0, 2)).resolve(hash.substring(2) + ".px");
    }

    private byte[] damaged(Path entry, String why) {
        damaged.incrementAndGet();
        LOG.warning("ignoring damaged cache entry " + entry + " (" + why + "); the image is decoded again and the entry rewritten");
        return null;
    }
}
