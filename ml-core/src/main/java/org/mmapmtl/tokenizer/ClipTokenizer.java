package org.mmapmtl.tokenizer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * CLIP's byte-level BPE tokenizer: text cleaned as the reference does, lower-cased, split by the reference pattern,
 * each piece's UTF-8 bytes mapped to printable characters and merged by rank. {@link #tokenize} frames the ids with
 * start- and end-of-text and pads or truncates them to the context length.
 */
public final class ClipTokenizer {
    public static final int CONTEXT_LENGTH = 77;
    /** How many merges of the standard merges file the reference uses: 49152 − 256 − 2. */
    static final int REFERENCE_MERGES = 48894;
    private static final String START = "<|startoftext|>";
    private static final String END = "<|endoftext|>";
    private static final String END_OF_WORD = "</w>";
    private static final Pattern SPLIT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final String BUNDLED = "bpe_simple_vocab_16e6.txt.gz";

    private final Map<String, Integer> encoder;
    private final String[] decoder;
    private final Map<String, Integer> mergeRanks;
    private final Map<String, String[]> cache = new ConcurrentHashMap<>();
    private final String[] byteToChar = byteToChar();
    private final Map<Character, Integer> charToByte = new HashMap<>();
    private final int startOfText;
    private final int endOfText;

    private ClipTokenizer(Map<String, Integer> encoder, List<String[]> merges) {
        this.encoder = encoder;
        this.decoder = new String[encoder.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
        encoder.forEach((token, id) -> decoder[id] = token);
        this.mergeRanks = new HashMap<>(merges.size() * 2);
        for (int i = 0; i < merges.size(); i++) {
            mergeRanks.put(merges.get(i)[0] + " " + merges.get(i)[1], i);
        }
        for (int b = 0; b < 256; b++) {
            charToByte.put(byteToChar[b].charAt(0), b);
        }
        this.startOfText = idOf(START);
        this.endOfText = idOf(END);
    }

    /** The tokenizer of the OpenAI CLIP models, from the merges file shipped with this library. */
    public static ClipTokenizer bundled() {
        return Bundled.INSTANCE;
    }

    private static final class Bundled {
        static final ClipTokenizer INSTANCE;

        static {
            try (InputStream in = ClipTokenizer.class.getResourceAsStream(BUNDLED)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + BUNDLED + " is missing from the classpath");
                }
                INSTANCE = fromMergesStream(in, "bundled " + BUNDLED);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Reads the reference's {@code bpe_simple_vocab_16e6.txt.gz} (or an uncompressed merges file of that form). */
    public static ClipTokenizer fromMergesFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return fromMergesStream(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such merges file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read merges file " + file, e);
        }
    }

    private static ClipTokenizer fromMergesStream(InputStream raw, String source) throws IOException {
        InputStream in = new java.io.BufferedInputStream(raw);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        List<String[]> merges = new ArrayList<>(REFERENCE_MERGES);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.readLine(); // version header
            String line;
            int lineNumber = 1;
            while (merges.size() < REFERENCE_MERGES && (line = reader.readLine()) != null) {
                lineNumber++;
                String[] pair = line.split(" ");
                if (pair.length != 2) {
                    throw new IllegalArgumentException(source + " line " + lineNumber + ": expected two symbols, got '"
                            + line + "'");
                }
                merges.add(pair);
            }
        }
        if (merges.size() < REFERENCE_MERGES) {
            throw new IllegalArgumentException(source + " holds " + merges.size() + " merges; CLIP's vocabulary needs "
                    + REFERENCE_MERGES + ": truncated or not CLIP's merges file");
        }
        // the reference's vocabulary: the 256 byte symbols in its order (printable bytes first), the same with </w>,
        // one token per merge, then the two specials; a repeated token keeps its last position, as a Python dict does
        List<String> vocabulary = new ArrayList<>();
        String[] bytes = byteToChar();
        List<String> symbols = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            if (isPrintable(b)) {
                symbols.add(bytes[b]);
            }
        }
        for (int b = 0; b < 256; b++) {
            if (!isPrintable(b)) {
                symbols.add(bytes[b]);
            }
        }
        vocabulary.addAll(symbols);
        symbols.forEach(sym -> vocabulary.add(sym + END_OF_WORD));
        merges.forEach(m -> vocabulary.add(m[0] + m[1]));
        vocabulary.add(START);
        vocabulary.add(END);
        Map<String, Integer> encoder = new HashMap<>(vocabulary.size() * 2);
        for (int i = 0; i < vocabulary.size(); i++) {
            encoder.put(vocabulary.get(i), i);
        }
        return new ClipTokenizer(encoder, merges);
    }

    /** Reads a Hugging Face CLIP tokenizer's {@code vocab.json} and {@code merges.txt}. */
    public static ClipTokenizer fromHuggingFace(Path vocabJson, Path mergesTxt) {
        Map<String, Integer> encoder;
        try {
            encoder = new ObjectMapper().readValue(vocabJson.toFile(), new TypeReference<LinkedHashMap<String, Integer>>() {
            });
        } catch (IOException e) {
            throw new IllegalArgumentException(vocabJson + ": not a vocab.json object of token to id: " + e.getMessage());
        }
        List<String[]> merges = new ArrayList<>();
        try {
            int lineNumber = 0;
            for (String line : Files.readAllLines(mergesTxt, StandardCharsets.UTF_8)) {
                lineNumber++;
                if (line.startsWith("#version") || line.isBlank()) {
                    continue;
                }
                String[] pair = line.split(" ");
                if (pair.length != 2) {
                    throw new IllegalArgumentException(mergesTxt + " line " + lineNumber + ": expected two symbols");
                }
                merges.add(pair);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(mergesTxt + ": cannot read merges: " + e.getMessage());
        }
        for (String special : List.of(START, END)) {
            if (!encoder.containsKey(special)) {
                throw new IllegalArgumentException(vocabJson + " has no " + special + " token: not a CLIP vocabulary");
            }
        }
        return new ClipTokenizer(encoder, merges);
    }

    public int startOfText() {
        return startOfText;
    }

    public int endOfText() {
        return endOfText;
    }

    public int vocabularySize() {
        return decoder.length;
    }

    /** The token text of an id, in the byte-to-character form of the vocabulary. */
    public String token(int id) {
        return decoder[id];
    }

    /** The BPE ids of the cleaned, lower-cased text, without start/end-of-text. */
    public List<Integer> encode(String text) {
        String cleaned = TextCleaner.clean(text).toLowerCase(java.util.Locale.ROOT);
        List<Integer> ids = new ArrayList<>();
        Matcher m = SPLIT.matcher(cleaned);
        while (m.find()) {
            for (String piece : bpe(bytesAsSymbols(m.group()))) {
                ids.add(idOf(piece));
            }
        }
        return ids;
    }

    /**
     * {@code [SOT, ids..., EOT]} padded with zeros to {@code contextLength}. Too long a text is cut so that EOT stays
     * last when {@code truncate}, as the reference's {@code truncate=True}; otherwise it is refused.
     */
    public int[] tokenize(String text, int contextLength, boolean truncate) {
        List<Integer> ids = encode(text);
        int[] out = new int[contextLength];
        int n = ids.size() + 2;
        if (n > contextLength && !truncate) {
            throw new IllegalArgumentException("text of " + n + " tokens is longer than the context of " + contextLength
                    + ": shorten it or allow truncation");
        }
        out[0] = startOfText;
        int body = Math.min(ids.size(), contextLength - 2);
        for (int i = 0; i < body; i++) {
            out[i + 1] = ids.get(i);
        }
        out[Math.min(n, contextLength) - 1] = endOfText;
        return out;
    }

    public int[] tokenize(String text) {
        return tokenize(text, CONTEXT_LENGTH, true);
    }

    /** Several texts as one row-major [texts, contextLength] array of int64 ids, ready to become a token tensor. */
    public long[] tokenizeAll(List<String> texts, int contextLength, boolean truncate) {
        long[] ids = new long[texts.size() * contextLength];
        for (int t = 0; t < texts.size(); t++) {
            int[] row = tokenize(texts.get(t), contextLength, truncate);
            for (int i = 0; i < contextLength; i++) {
                ids[t * contextLength + i] = row[i];
            }
        }
        return ids;
    }

    /** The text of these ids, word ends as spaces (start/end-of-text and padding excluded). */
    public String decode(int[] ids) {
        StringBuilder symbols = new StringBuilder();
        for (int id : ids) {
            if (id == startOfText || id == endOfText) {
                continue;
            }
            if (id == 0 && symbols.length() > 0) {
                break;
            }
            if (id >= 0 && id < decoder.length && decoder[id] != null) {
                symbols.append(decoder[id]);
            }
        }
        // every symbol, the </w> markers included, stands for bytes; word ends become spaces after UTF-8 decoding
        String text = symbols.toString();
        byte[] bytes = new byte[text.length()];
        for (int i = 0; i < text.length(); i++) {
            bytes[i] = (byte) (int) charToByte.get(text.charAt(i));
        }
        return new String(bytes, StandardCharsets.UTF_8).replace(END_OF_WORD, " ");
    }

    private int idOf(String token) {
        Integer id = encoder.get(token);
        if (id == null) {
            throw new IllegalStateException("token '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    private String bytesAsSymbols(String piece) {
        StringBuilder s = new StringBuilder();
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            s.append(byteToChar[b & 0xff]);
        }
        return s.toString();
    }

    /** Merges the lowest-ranked adjacent pair until none is in the merge table. */
    private String[] bpe(String token) {
        if (token.equals(START) || token.equals(END)) {
            return new String[] {token};
        }
        return cache.computeIfAbsent(token, t -> {
            List<String> word = new ArrayList<>();
            t.codePoints().forEach(cp -> word.add(new String(Character.toChars(cp))));
            word.set(word.size() - 1, word.get(word.size() - 1) + END_OF_WORD);
            while (word.size() > 1) {
                int bestRank = Integer.MAX_VALUE;
                String first = null;
                String second = null;
                for (int i = 0; i + 1 < word.size(); i++) {
                    Integer rank = mergeRanks.get(word.get(i) + " " + word.get(i + 1));
                    if (rank != null && rank < bestRank) {
                        bestRank = rank;
                        first = word.get(i);
                        second = word.get(i + 1);
                    }
                }
                if (first == null) {
                    break;
                }
                List<String> merged = new ArrayList<>(word.size());
                for (int i = 0; i < word.size(); i++) {
                    if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                        merged.add(first + second);
                        i++;
                    } else {
                        merged.add(word.get(i));
                    }
                }
                word.clear();
                word.addAll(merged);
            }
            return word.toArray(String[]::new);
        });
    }

    /** The reference's reversible map from bytes to printable characters, avoiding whitespace and controls. */
    private static String[] byteToChar() {
        String[] map = new String[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = String.valueOf((char) (isPrintable(b) ? b : 256 + next++));
        }
        return map;
    }

    private static boolean isPrintable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    }
}
