package io.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.pipeline.Compression;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MigrationParametersTest {

    @Test
    void defaultsFollowQemuWhereItHasThem() {
        MigrationParameters p = MigrationParameters.defaults();
        assertThat(p.downtimeLimit()).isEqualTo(Duration.ofMillis(300));
        assertThat(p.maxBandwidth()).isZero();
        assertThat(p.runOnDestination()).isTrue();
    }

    @Test
    void setByNameAsTheShellDoes() {
        MigrationParameters p = MigrationParameters.defaults()
                .with("max-bandwidth", "64M")
                .with("downtime-limit", "50")
                .with("iteration-cap", "7")
                .with("run-on-destination", "off");
        assertThat(p.maxBandwidth()).isEqualTo(64L << 20);
        assertThat(p.downtimeLimit()).isEqualTo(Duration.ofMillis(50));
        assertThat(p.iterationCap()).isEqualTo(7);
        assertThat(p.runOnDestination()).isFalse();
    }

    @Test
    void theDowntimeGuardIsOffByDefaultAndSetByName() {
        MigrationParameters p = MigrationParameters.defaults();
        assertThat(p.downtimeGuard()).isFalse();
        assertThat(p.switchoverAttempts()).isEqualTo(MigrationParameters.DEFAULT_SWITCHOVER_ATTEMPTS);
        MigrationParameters q =
                p.with("downtime-guard", "on").with("switchover-attempts", "5").withIterationCap(4);
        assertThat(q.downtimeGuard()).isTrue();
        assertThat(q.switchoverAttempts()).isEqualTo(5);
        assertThatThrownBy(() -> p.with("switchover-attempts", "0"))
                .hasMessageContaining("switchover-attempts must be in [1, 100] but was 0");
    }

    @Test
    void badValuesNameTheParameter() {
        MigrationParameters p = MigrationParameters.defaults();
        assertThatThrownBy(() -> p.with("iteration-cap", "many"))
                .hasMessageContaining("iteration-cap")
                .hasMessageContaining("'many'");
        assertThatThrownBy(() -> p.with("iteration-cap", "0"))
                .hasMessageContaining("iteration-cap must be in [1, 100000] but was 0");
        assertThatThrownBy(() -> p.with("speed", "1")).hasMessageContaining("unknown parameter 'speed'");
        assertThatThrownBy(() -> p.with("max-bandwidth", "-1")).hasMessageContaining("max-bandwidth");
    }

    @Test
    void sizesParseAndFormat() {
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.parse("1G")).isEqualTo(1L << 30);
        assertThat(Sizes.parse("1GiB")).isEqualTo(1L << 30);
        assertThat(Sizes.parse("512k")).isEqualTo(512L << 10);
        assertThat(Sizes.format(1536L << 20)).isEqualTo("1.5 GiB");
        assertThatThrownBy(() -> Sizes.parse("lots"))
                .isInstanceOf(NumberFormatException.class)
                .hasMessageContaining("'lots'");
    }

    @Test
    void compressionIsSetByNameAndABadValueIsNamed() {
        assertThat(MigrationParameters.defaults().compression()).isEqualTo(Compression.none);
        assertThat(MigrationParameters.defaults().with("compression", "ZSTD").compression())
                .isEqualTo(Compression.zstd);
        assertThatThrownBy(() -> MigrationParameters.defaults().with("compression", "gzip"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'gzip' is not none, lz4 or zstd");
    }

    @Test
    void xbzrleCacheSizeIsOffByDefaultAndBounded() {
        assertThat(MigrationParameters.defaults().xbzrleCacheSize()).isZero();
        assertThat(MigrationParameters.defaults()
                        .with("xbzrle-cache-size", "64M")
                        .xbzrleCacheSize())
                .isEqualTo(64L << 20);
        assertThatThrownBy(() -> MigrationParameters.defaults().with("xbzrle-cache-size", "100"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("xbzrle-cache-size must be 0 (off)");
    }

    /** names() is the list the shell shows: byName() has exactly those keys, and each value set back by name changes nothing. */
    @Test
    void everyNamedParameterIsListedAndRoundTrips() {
        MigrationParameters p = MigrationParameters.defaults()
                .with("max-bandwidth", "100M")
                .with("downtime-guard", "true")
                .with("compression", "zstd")
                .with("xbzrle-cache-size", "8M")
                .with("auto-converge", "true")
                .with("cpu-throttle-initial", "30")
                .with("vcpu-dirty-limit", "2M");
        assertThat(p.byName().keySet()).containsExactlyElementsOf(MigrationParameters.names());
        MigrationParameters back = MigrationParameters.defaults();
        for (var e : p.byName().entrySet()) {
            back = back.with(e.getKey(), e.getValue());
        }
        assertThat(back).isEqualTo(p);
        assertThat(MigrationParameters.names())
                .contains(
                        "downtime-guard",
                        "switchover-attempts",
                        "compression",
                        "xbzrle-cache-size",
                        "auto-converge",
                        "cpu-throttle-initial",
                        "cpu-throttle-increment",
                        "max-cpu-throttle",
                        "dirty-limit",
                        "vcpu-dirty-limit");
        assertThatThrownBy(() -> p.with("no-such", "1"))
                .hasMessageContaining(String.join(", ", MigrationParameters.names()));
    }

    /** NAME_LIST (a constant, for annotations) is the enum's list, so the shell's help cannot drift from it. */
    @Test
    void nameListConstantIsTheEnumsList() {
        assertThat(MigrationParameters.NAME_LIST.split(", "))
                .containsExactlyElementsOf(java.util.Arrays.stream(MigrationParameters.Name.values())
                        .map(MigrationParameters.Name::text)
                        .toList());
        for (MigrationParameters.Name name : MigrationParameters.Name.values()) {
            assertThat(name.description()).as(name.text()).isNotBlank();
            assertThat(MigrationParameters.Name.of(name.text())).isSameAs(name);
        }
    }

    /** Every bad value is refused naming the parameter, whatever its unit. */
    @Test
    void badValuesAreRefusedNamingTheParameter() {
        MigrationParameters p = MigrationParameters.defaults();
        assertThatThrownBy(() -> p.with("auto-converge", "maybe"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parameter auto-converge: 'maybe' is not true or false");
        assertThatThrownBy(() -> p.with("tls-required", "maybe"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls-required")
                .hasMessageContaining("'maybe' is not true or false");
        assertThatThrownBy(() -> p.with("cpu-throttle-initial", "ten"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parameter cpu-throttle-initial: 'ten' is not a valid number");
        assertThatThrownBy(() -> p.with("max-frame-size", "8G"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parameter max-frame-size: '8G' is not a valid number");
        assertThatThrownBy(() -> p.with("handshake-timeout", "soon"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("handshake-timeout");
        assertThat(p.with(MigrationParameters.Name.DOWNTIME_LIMIT, " 50 ")
                        .downtimeLimit()
                        .toMillis())
                .isEqualTo(50);
    }

    @Test
    void channelsAreOneByDefaultAndSetByNameWithinBounds() {
        assertThat(MigrationParameters.defaults().channels()).isEqualTo(1);
        assertThat(MigrationParameters.defaults().with("channels", "2").channels())
                .isEqualTo(2);
        assertThatThrownBy(() -> MigrationParameters.defaults().with("channels", "0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channels must be in [1, 16] but was 0");
        assertThatThrownBy(() -> MigrationParameters.defaults().withChannels(MigrationParameters.MAX_CHANNELS + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channels must be in [1, 16]");
    }
}
