package dev.nervesys.orchestrator;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Group files: id patterns, settings, secrets only by reference to the orchestrator's environment. */
class GroupsTest {

    private final Map<String, String> env = Map.of("EDGE_S3_SECRET", "s3cr3t");
    private final Groups groups = new Groups(name -> Optional.ofNullable(env.get(name)));

    @Test
    void groupsHandOutSettingsAndSecretsResolvedFromTheEnvironment() throws Exception {
        groups.load(Map.of(
                "config/groups/edge.properties", "agentId=edge-{host}\nnervesys.clickhouse.url=http://ch:8123\n"
                        + "STORJ_SECRET_KEY=${env:EDGE_S3_SECRET}\n",
                "config/groups/plain.properties", "nervesys.archive.localDir=/var/archive\n",
                "config/groups/missing.properties", "STORJ_ACCESS_KEY=${env:NOT_SET}\n",
                "config/groups/leaky.properties", "STORJ_SECRET_KEY=literal-secret\n",
                "config/application.properties", "nervesys.x=1\n"));

        assertThat(groups.agentId("edge", "host-1")).isEqualTo("edge-host-1");
        assertThat(groups.agentId("plain", "host-1")).isEqualTo("host-1");
        assertThat(groups.group("edge").settings()).containsExactly(Map.entry("nervesys.clickhouse.url", "http://ch:8123"));
        assertThat(groups.secrets("edge")).containsExactly(Map.entry("STORJ_SECRET_KEY", "s3cr3t"));
        assertThatThrownBy(() -> groups.secrets("missing"))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(503))
                .hasMessageContaining("NOT_SET, which is not set on the orchestrator");
        assertThatThrownBy(() -> groups.group("leaky"))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(409))
                .hasMessageContaining("config/groups/leaky.properties: STORJ_SECRET_KEY: a secret's value must be ${env:NAME}")
                .hasMessageNotContaining("literal-secret");
        assertThatThrownBy(() -> groups.group("nope"))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(409))
                .hasMessage("group nope is not defined on the orchestrator (config/groups/nope.properties)");
        assertThatThrownBy(() -> groups.agentId("edge", "bad host/../x"))
                .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.status()).isEqualTo(400));
        assertThat(groups.status()).containsEntry("groups", "edge,missing,plain");
    }
}
