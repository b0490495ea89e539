package io.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ThrottlingTest {

    @Test
    void defaultsAreQemusAndOff() {
        Throttling t = MigrationParameters.defaults().throttling();
        assertThat(t.enabled()).isFalse();
        assertThat(t.initialPercent()).isEqualTo(20);
        assertThat(t.incrementPercent()).isEqualTo(10);
        assertThat(t.maxPercent()).isEqualTo(99);
        assertThat(t.vcpuDirtyLimitPages()).isEqualTo(256);
    }

    @Test
    void parametersAreSetByName() {
        MigrationParameters p = MigrationParameters.defaults()
                .with("auto-converge", "on")
                .with("cpu-throttle-initial", "30")
                .with("cpu-throttle-increment", "15")
                .with("max-cpu-throttle", "90");
        assertThat(p.throttling()).isEqualTo(new Throttling(true, 30, 15, 90, false, 1 << 20));
        MigrationParameters d =
                MigrationParameters.defaults().with("dirty-limit", "true").with("vcpu-dirty-limit", "4M");
        assertThat(d.throttling().dirtyLimit()).isTrue();
        assertThat(d.throttling().vcpuDirtyLimitPages()).isEqualTo(1024);
        assertThat(d.maxBandwidth()).isZero(); // the others keep their values
    }

    @Test
    void badValuesNameTheParameter() {
        assertThatThrownBy(() -> MigrationParameters.defaults().with("cpu-throttle-initial", "0"))
                .hasMessageContaining("cpu-throttle-initial");
        assertThatThrownBy(() -> MigrationParameters.defaults().with("max-cpu-throttle", "100"))
                .hasMessageContaining("max-cpu-throttle");
        assertThatThrownBy(() -> MigrationParameters.defaults().with("auto-converge", "maybe"))
                .hasMessageContaining("auto-converge")
                .hasMessageContaining("maybe");
        assertThatThrownBy(() -> MigrationParameters.defaults()
                        .with("auto-converge", "on")
                        .with("dirty-limit", "on"))
                .hasMessageContaining("cannot both be on");
    }
}
