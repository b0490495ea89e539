package io.ferry.pipeline;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * Names a piece of state that travels in its own chunks: the section's name, an instance
 * number for several devices of one kind, and the version of its chunk format. The destination
 * routes each chunk to the load handler of the same name and instance, if it supports the
 * version.
 */
public record SectionId(String name, int instance, int version) {
    public SectionId {
        checkNotNull(name, "name");
        checkArgument(
                !name.isEmpty() && name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 255,
                "section name must be 1..255 bytes of UTF-8: '%s'",
                name);
        checkArgument(instance >= 0, "section %s: instance must be >= 0 but was %s", name, instance);
        checkArgument(version >= 1, "section %s: version must be >= 1 but was %s", name, version);
    }

    public static SectionId of(String name, int instance, int version) {
        return new SectionId(name, instance, version);
    }

    /** Whether {@code other} names the same state (name and instance), whatever its version. */
    public boolean sameStateAs(SectionId other) {
        return key().equals(other.key());
    }

    /** The name and instance: what identifies this state whatever its version. */
    public SectionKey key() {
        return new SectionKey(name, instance);
    }

    @Override
    public String toString() {
        return name + "/" + instance + " v" + version;
    }
}
