package io.ferry.pipeline;

/** What identifies a section's state whatever its version: its name and instance. */
public record SectionKey(String name, int instance) {
    @Override
    public String toString() {
        return name + "/" + instance;
    }
}
