package dev.nervesys.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** YamlNode's reading and its {@code file:line: reason} errors. */
class YamlNodeTest {

    private static final String TEXT = """
            # a comment
            groups:
              - name: disk
                wait: 30
                on: true
              - name: cpu
                channels: [a, b]
            """;

    @Test
    void readsMappingsListsAndScalarsWithTheirLines() {
        YamlNode root = YamlNode.parse("config/alerts.yaml", TEXT);
        assertThat(root.keys()).containsExactly("groups");
        List<YamlNode> groups = root.get("groups").list();
        assertThat(groups).hasSize(2);
        assertThat(groups.get(0).get("name").text()).isEqualTo("disk");
        assertThat(groups.get(0).get("wait").number()).isEqualTo(30.0);
        assertThat(groups.get(0).get("on").bool()).isTrue();
        assertThat(groups.get(0).line()).isEqualTo(3);
        assertThat(groups.get(1).get("channels").strings()).containsExactly("a", "b");
        assertThat(groups.get(1).get("name").strings()).containsExactly("cpu");
        assertThat(groups.get(1).get("channels").line()).isEqualTo(7);
        assertThat(root.get("missing")).isNull();
    }

    @Test
    void anEmptyDocumentIsAnEmptyMapping() {
        YamlNode root = YamlNode.parse("config/thresholds.yaml", "# nothing\n");
        assertThat(root.isEmpty()).isTrue();
        assertThat(root.keys()).isEmpty();
        assertThat(root.list()).isEmpty();
        assertThat(root.line()).isEqualTo(1);
    }

    @Test
    void errorsNameTheFileAndLine() {
        YamlNode root = YamlNode.parse("config/alerts.yaml", TEXT);
        YamlNode disk = root.get("groups").list().get(0);
        assertThatThrownBy(() -> disk.allowOnly("name", "wait"))
                .hasMessage("config/alerts.yaml:5: unknown key 'on' (allowed: name, wait)");
        assertThatThrownBy(() -> disk.get("name").number()).hasMessage("config/alerts.yaml:3: not a number: 'disk'");
        assertThatThrownBy(() -> disk.get("wait").bool()).hasMessage("config/alerts.yaml:4: expected true or false, not '30'");
        assertThatThrownBy(() -> root.get("groups").text()).hasMessage("config/alerts.yaml:3: expected a single value");
        assertThatThrownBy(() -> disk.list()).hasMessage("config/alerts.yaml:3: expected a list");
        assertThatThrownBy(() -> root.get("groups").keys()).hasMessage("config/alerts.yaml:3: expected a mapping");
        assertThatThrownBy(() -> YamlNode.parse("x.yaml", "{a: 1}: 2\n").keys()).hasMessage("x.yaml:1: keys must be plain names");
    }

    @Test
    void syntaxErrorsNameTheLineOfTheProblem() {
        assertThatThrownBy(() -> YamlNode.parse("config/thresholds.yaml", "a: 1\nb: [1, 2\nc: 3\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("config/thresholds.yaml:")
                .hasMessageNotContaining("Exception");
        assertThatThrownBy(() -> YamlNode.parse("t.yaml", "a: 1\n  b: 2\n"))
                .hasMessageStartingWith("t.yaml:2: ");
    }

    @Test
    void aKeyWrittenTwiceIsAnErrorWithItsLineNotALastOneWins() {
        YamlNode root = YamlNode.parse("config/alerts.yaml", "samples: 5\ngroup_wait: 10s\nsamples: 50\n");
        assertThatThrownBy(() -> root.get("samples"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("config/alerts.yaml:3: duplicate key 'samples'");
    }

    @Test
    void theSameKeyInTwoMappingsIsFine() {
        YamlNode root = YamlNode.parse("config/alerts.yaml", "a: {x: 1}\nb: {x: 2}\n");
        assertThat(root.get("a").get("x").text()).isEqualTo("1");
        assertThat(root.get("b").get("x").text()).isEqualTo("2");
    }
}
