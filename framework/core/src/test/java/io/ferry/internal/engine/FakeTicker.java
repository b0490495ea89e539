package io.ferry.internal.engine;

import com.google.common.base.Ticker;
import java.time.Duration;

/** A ticker that moves only when told. */
final class FakeTicker extends Ticker {
    private long nanos;

    @Override
    public long read() {
        return nanos;
    }

    FakeTicker advance(Duration d) {
        nanos += d.toNanos();
        return this;
    }
}
