package io.ferry.webconsole.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The page's JSON comes from the shape of the commands' records alone. */
class JsonTest {
    enum Status {
        ACTIVE
    }

    record Breakdown(long stopMillis, long ackMillis) {}

    record Figures(
            Status status, long transferredBytes, double throughputMbps, Optional<Breakdown> downtimeBreakdown) {}

    record Info(
            String peer,
            Optional<String> error,
            List<String> plugins,
            Map<String, Long> sectionBytes,
            Figures figures) {}

    @Test
    void recordsBecomeObjectsWhateverTheirComponents() {
        Map<String, Long> sections = new LinkedHashMap<>();
        sections.put("ram", 4096L);
        Info info = new Info(
                "tcp:127.0.0.1:4444",
                Optional.empty(),
                List.of("its", "ram"),
                sections,
                new Figures(Status.ACTIVE, 12, 1.5, Optional.of(new Breakdown(3, 4))));
        assertThat(Json.of(info))
                .isEqualTo("{\"peer\":\"tcp:127.0.0.1:4444\",\"error\":null,\"plugins\":[\"its\",\"ram\"],"
                        + "\"sectionBytes\":{\"ram\":4096},\"figures\":{\"status\":\"ACTIVE\",\"transferredBytes\":12,"
                        + "\"throughputMbps\":1.5,\"downtimeBreakdown\":{\"stopMillis\":3,\"ackMillis\":4}}}");
    }

    @Test
    void textIsEscapedForJsonAndForHtml() {
        assertThat(Json.of(List.of("a\"b\\c\n</script>", Double.NaN)))
                .isEqualTo("[\"a\\\"b\\\\c\\n\\u003c/script\\u003e\",null]");
    }
}
