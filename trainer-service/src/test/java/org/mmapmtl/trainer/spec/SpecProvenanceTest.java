package org.mmapmtl.trainer.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.mmapmtl.experiment.ExperimentSpec;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SpecProvenanceTest {

    @Test
    void everyDefaultNamesItsSourceAndNothingIsThePapersThatThePaperDoesNotSay() {
        Map<String, SpecProvenance.Origin> p = SpecProvenance.of(SpecReaderTest.read(SpecReaderTest.MINIMAL));
        assertThat(p.values()).extracting(SpecProvenance.Origin::source)
                .allMatch(Set.of(SpecProvenance.PAPER, SpecProvenance.DASSL, SpecProvenance.OURS)::contains);
        // what the paper's text gives, and only that
        assertThat(p).hasEntrySatisfying("recipe.epochs", o -> assertThat(o.source()).isEqualTo("paper"))
                .hasEntrySatisfying("recipe.batchSize", o -> assertThat(o.source()).isEqualTo("paper"))
                .hasEntrySatisfying("recipe.learningRate", o -> assertThat(o.source()).isEqualTo("paper"))
                .hasEntrySatisfying("seeds", o -> assertThat(o.source()).isEqualTo("paper"));
        assertThat(p.entrySet()).filteredOn(e -> e.getValue().source().equals("paper")).extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrder("seeds", "recipe.epochs", "recipe.batchSize", "recipe.learningRate",
                        "grouping.similarity");
        assertThat(p.get("recipe.momentum").source()).isEqualTo("MaPLe/Dassl");
        assertThat(p.get("recipe.batchPer").source()).isEqualTo("ours");
        assertThat(p.get("recipe.batchPer").basis()).contains("step");
        assertThat(p.get("recipe.precision")).extracting(SpecProvenance.Origin::value, SpecProvenance.Origin::source)
                .containsExactly("fp32", "ours");
        assertThat(p.values()).allSatisfy(o -> assertThat(o.basis()).isNotBlank());
    }

    @Test
    void aValueTheSpecSetIsMarkedAsItsOwnWithTheDefaultBeside() {
        ExperimentSpec spec = SpecReaderTest.read(SpecReaderTest.MINIMAL.replace("\"methods\"",
                "\"recipe\": {\"learningRate\": 0.01, \"batchSize\": 16}, \"methods\""));
        Map<String, SpecProvenance.Origin> p = SpecProvenance.of(spec);
        assertThat(p.get("recipe.learningRate")).extracting(SpecProvenance.Origin::value, SpecProvenance.Origin::defaultValue,
                SpecProvenance.Origin::source).containsExactly(0.01, 0.0035, "this spec");
        assertThat(p.get("recipe.batchSize").source()).isEqualTo("paper"); // 16 is the default, stated or not
        // MiniDomainNet's default batch is the paper's 4
        ExperimentSpec mini = SpecReaderTest.read("""
                {"dataset": {"kind": "mini-domainnet", "root": "data/mdn", "percent": 1}, "weights": "generated:tiny", "methods": ["mmap"]}""");
        assertThat(SpecProvenance.of(mini).get("recipe.batchSize")).extracting(SpecProvenance.Origin::value,
                SpecProvenance.Origin::source).containsExactly(4, "paper");
    }

    @Test
    void theStoredSpecWithItsProvenanceSubmittedAgainIsTheSameSpec() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ExperimentSpec spec = SpecReaderTest.read(SpecReaderTest.MINIMAL.replace("\"percent\": 10", "\"percent\": 10, \"tasks\": [\"a\", \"b\"]"));
        ObjectNode shown = json.valueToTree(spec);
        shown.set(SpecReader.PROVENANCE, json.valueToTree(SpecProvenance.of(spec)));
        ExperimentSpec again = SpecReader.read(json.writeValueAsString(shown).getBytes(StandardCharsets.UTF_8), false);
        assertThat(again).isEqualTo(spec);
    }
}
