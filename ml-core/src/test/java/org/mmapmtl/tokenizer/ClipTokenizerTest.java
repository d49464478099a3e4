package org.mmapmtl.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClipTokenizerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final ClipTokenizer tokenizer = ClipTokenizer.bundled();

    @TempDir
    Path dir;

    record Golden(String text, int[] ids) {
    }

    /** Written by scripts/tokenizer_goldens.py from the reference implementation. */
    static List<Golden> goldens() throws Exception {
        List<Golden> goldens = new ArrayList<>();
        try (InputStream in = ClipTokenizerTest.class.getResourceAsStream("/tokenizer/goldens.jsonl");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.readLine(); // provenance header
            String line;
            while ((line = reader.readLine()) != null) {
                JsonNode node = JSON.readTree(line);
                int[] ids = new int[node.get("ids").size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = node.get("ids").get(i).asInt();
                }
                goldens.add(new Golden(node.get("text").asText(), ids));
            }
        }
        return goldens;
    }

    @Test
    void everyGoldenTextTokenizesAsTheReferenceDoes() throws Exception {
        List<Golden> goldens = goldens();
        assertThat(goldens).hasSizeGreaterThan(250);
        List<String> mismatches = new ArrayList<>();
        for (Golden g : goldens) {
            int[] ours = tokenizer.tokenize(g.text());
            if (!Arrays.equals(ours, g.ids())) {
                mismatches.add(JSON.writeValueAsString(g.text()) + "\n  reference " + Arrays.toString(g.ids())
                        + "\n  ours      " + Arrays.toString(ours));
            }
        }
        assertThat(mismatches).as(String.join("\n", mismatches)).isEmpty();
    }

    @Test
    void specialIdsAndVocabularyMatchTheReference() {
        assertThat(tokenizer.startOfText()).isEqualTo(49406);
        assertThat(tokenizer.endOfText()).isEqualTo(49407);
        assertThat(tokenizer.vocabularySize()).isEqualTo(49408);
    }

    @Test
    void endOfTextStaysLastWhenTruncating() {
        String longText = "word ".repeat(200);
        int[] ids = tokenizer.tokenize(longText);
        assertThat(ids).hasSize(77);
        assertThat(ids[76]).isEqualTo(tokenizer.endOfText());
        assertThatThrownBy(() -> tokenizer.tokenize(longText, 77, false)).hasMessageContaining("202 tokens");
    }

    @Test
    void ftfyStyleFixesMakeTypographicTextTokenizeLikePlainText() {
        assertThat(tokenizer.tokenize("it\u2019s a \u201cgood\u201d \ufb01sh")).isEqualTo(tokenizer.tokenize("it's a \"good\" fish"));
        assertThat(tokenizer.tokenize("\uff21\uff22\uff23\u3000x")).isEqualTo(tokenizer.tokenize("ABC x"));
        assertThat(tokenizer.tokenize("a\u0007b")).isEqualTo(tokenizer.tokenize("ab"));
    }

    @Test
    void decodeInvertsEncode() {
        int[] ids = tokenizer.tokenize("A photo of a Ñandú, 東京!");
        assertThat(tokenizer.decode(ids).strip()).isEqualTo("a photo of a ñandú , 東京 !");
    }

    @Test
    void huggingFaceVocabularyAndMergesGiveTheSameIds() throws Exception {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> merges = new ArrayList<>();
        try (var reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                ClipTokenizer.class.getResourceAsStream("bpe_simple_vocab_16e6.txt.gz")), StandardCharsets.UTF_8))) {
            reader.readLine();
            for (int i = 0; i < ClipTokenizer.REFERENCE_MERGES; i++) {
                merges.add(reader.readLine());
            }
        }
        for (int id = 0; id < tokenizer.vocabularySize(); id++) {
            vocab.put(tokenizer.token(id), id);
        }
        Path vocabJson = dir.resolve("vocab.json");
        Path mergesTxt = dir.resolve("merges.txt");
        JSON.writeValue(vocabJson.toFile(), vocab);
        Files.writeString(mergesTxt, "#version: 0.2\n" + String.join("\n", merges) + "\n");

        ClipTokenizer hf = ClipTokenizer.fromHuggingFace(vocabJson, mergesTxt);
        for (Golden g : goldens().subList(0, 120)) {
            assertThat(hf.tokenize(g.text())).as(g.text()).isEqualTo(g.ids());
        }
    }

    @Test
    void mergesFileOnDiskLoadsAndBadOnesAreNamed() throws Exception {
        Path gz = dir.resolve("bpe.txt.gz");
        try (InputStream in = ClipTokenizer.class.getResourceAsStream("bpe_simple_vocab_16e6.txt.gz")) {
            Files.copy(in, gz);
        }
        assertThat(ClipTokenizer.fromMergesFile(gz).tokenize("a photo")).isEqualTo(tokenizer.tokenize("a photo"));

        Path cut = dir.resolve("cut.txt.gz");
        try (var out = new GZIPOutputStream(Files.newOutputStream(cut))) {
            out.write("#version: 0.2\ni n\nt h\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThatThrownBy(() -> ClipTokenizer.fromMergesFile(cut)).hasMessageContaining("cut.txt.gz")
                .hasMessageContaining("holds 2 merges");
        assertThatThrownBy(() -> ClipTokenizer.fromMergesFile(dir.resolve("none.gz"))).hasMessageContaining("no such");

        Path vocab = dir.resolve("v.json");
        Files.writeString(vocab, "{\"a\": 0}");
        Path merges = dir.resolve("m.txt");
        Files.writeString(merges, "#version: 0.2\n");
        assertThatThrownBy(() -> ClipTokenizer.fromHuggingFace(vocab, merges)).hasMessageContaining("<|startoftext|>");
    }
}
