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
        MigrationParameters p = MigrationParameters.defaults().with("max-bandwidth", "64M").with("downtime-limit", "50")
                .with("iteration-cap", "7").with("run-on-destination", "off");
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
        MigrationParameters q = p.with("downtime-guard", "on").with("switchover-attempts", "5").withIterationCap(4);
        assertThat(q.downtimeGuard()).isTrue();
        assertThat(q.switchoverAttempts()).isEqualTo(5);
        assertThatThrownBy(() -> p.with("switchover-attempts", "0")).hasMessageContaining("switchover-attempts must be in [1, 100] but was 0");
    }

    @Test
    void badValuesNameTheParameter() {
        MigrationParameters p = MigrationParameters.defaults();
        assertThatThrownBy(() -> p.with("iteration-cap", "many")).hasMessageContaining("iteration-cap")
                .hasMessageContaining("'many'");
        assertThatThrownBy(() -> p.with("iteration-cap", "0")).hasMessageContaining("iteration-cap must be in [1, 100000] but was 0");
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
        assertThatThrownBy(() -> Sizes.parse("lots")).isInstanceOf(NumberFormatException.class)
                .hasMessageContaining("'lots'");
    }

    @Test
    void compressionIsSetByNameAndABadValueIsNamed() {
        assertThat(MigrationParameters.defaults().compression())
                .isEqualTo(Compression.none);
        assertThat(MigrationParameters.defaults().with("compression", "ZSTD").compression())
                .isEqualTo(Compression.zstd);
        assertThatThrownBy(() -> MigrationParameters.defaults().with("compression", "gzip"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'gzip' is not none, lz4 or zstd");
    }

    @Test
    void xbzrleCacheSizeIsOffByDefaultAndBounded() {
        assertThat(MigrationParameters.defaults().xbzrleCacheSize()).isZero();
        assertThat(MigrationParameters.defaults().with("xbzrle-cache-size", "64M").xbzrleCacheSize()).isEqualTo(64L << 20);
        assertThatThrownBy(() -> MigrationParameters.defaults().with("xbzrle-cache-size", "100"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("xbzrle-cache-size must be 0 (off)");
    }
}
