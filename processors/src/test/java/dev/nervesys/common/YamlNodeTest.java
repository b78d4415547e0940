package dev.nervesys.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The configuration files' YAML reader: errors name the file and line. */
class YamlNodeTest {

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
