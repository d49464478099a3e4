package org.mmapmtl.service;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ProblemMappersTest {
    public record Request(int k, double tau) {
    }

    @Test
    void anUnknownFieldIsNamedWithTheFieldsThatAreKnownNotWithOurClass() {
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        UnrecognizedPropertyException e = catchThrowableOfType(UnrecognizedPropertyException.class,
                () -> json.readValue("{\"k\": 2, \"restarts\": 9}", Request.class));
        Problem p = ProblemMappers.unreadableProblem(e);
        assertThat(p.status()).isEqualTo(400);
        assertThat(p.detail()).contains("unknown field 'restarts'; known here: k, tau").doesNotContain("ProblemMappersTest");
        assertThat(p.errors()).extracting(Problem.FieldError::field).containsExactly("restarts");
    }

    @Test
    void aBodyOfTheWrongShapeIsDescribedWithoutOurClassNames() {
        assertThat(ProblemMappers.withoutOurClasses("Cannot deserialize value of type "
                + "`org.mmapmtl.groupingservice.solve.SolveRequest` from Array value (token `JsonToken.START_ARRAY`)"))
                .isEqualTo("Cannot deserialize value of type `object` from Array value (token `JsonToken.START_ARRAY`)");
        assertThat(ProblemMappers.withoutOurClasses("Cannot deserialize value of type `java.lang.Integer` from String"))
                .isEqualTo("Cannot deserialize value of type `Integer` from String");
        assertThat(ProblemMappers.withoutOurClasses("value of type `java.util.ArrayList<java.lang.String>` from 'a.B'"))
                .isEqualTo("value of type `ArrayList<String>` from 'a.B'");
        assertThat(ProblemMappers.withoutOurClasses("Unexpected end-of-input: expected close marker for Object"))
                .isEqualTo("Unexpected end-of-input: expected close marker for Object");
    }
}
