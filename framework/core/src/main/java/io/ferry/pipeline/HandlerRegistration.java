package io.ferry.pipeline;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * One handler on one stage: who registered it, where it runs ({@code priority}, higher first,
 * ties by {@code id}), the section it emits or loads chunks for, if any, and its code.
 *
 * @param plugin the registering plugin's name
 * @param id unique on its stage; breaks priority ties
 * @param pendingBytes ITERATE only: how many bytes this handler still has to send, for the
 *     convergence decision
 * @param ramFinalPass COMPLETE only: this is RAM's final pass; guest RAM is sealed once it returns
 * @param bytesEstimate COMPLETE only: bytes the handler expects to emit beyond the ITERATE handlers'
 *     pending bytes, for the switchover cost model
 * @param nanosEstimate COMPLETE or LOAD_COMPLETE: how long the handler expects to take, in
 *     nanoseconds, for the switchover cost model
 */
public record HandlerRegistration(
        String plugin,
        Stage stage,
        String id,
        int priority,
        Optional<SectionId> section,
        Handler handler,
        Optional<LongSupplier> pendingBytes,
        boolean ramFinalPass,
        Optional<LongSupplier> bytesEstimate,
        Optional<LongSupplier> nanosEstimate) {

    /** Priority descending, then id ascending: the order a stage runs its handlers in. */
    public static final Comparator<HandlerRegistration> ORDER =
            Comparator.comparingInt(HandlerRegistration::priority).reversed().thenComparing(HandlerRegistration::id);

    public HandlerRegistration {
        checkNotNull(plugin, "plugin");
        checkNotNull(stage, "stage");
        checkNotNull(id, "id");
        checkNotNull(section, "section");
        checkNotNull(handler, "handler");
        checkNotNull(pendingBytes, "pendingBytes");
        checkNotNull(bytesEstimate, "bytesEstimate");
        checkNotNull(nanosEstimate, "nanosEstimate");
    }

    /** A registration without cost estimates. */
    public HandlerRegistration(
            String plugin,
            Stage stage,
            String id,
            int priority,
            Optional<SectionId> section,
            Handler handler,
            Optional<LongSupplier> pendingBytes,
            boolean ramFinalPass) {
        this(
                plugin,
                stage,
                id,
                priority,
                section,
                handler,
                pendingBytes,
                ramFinalPass,
                Optional.empty(),
                Optional.empty());
    }

    /** The declared byte estimate now, or 0. */
    public long estimatedBytes() {
        return bytesEstimate.map(LongSupplier::getAsLong).orElse(0L);
    }

    /** The declared time estimate now, in nanoseconds, or 0. */
    public long estimatedNanos() {
        return nanosEstimate.map(LongSupplier::getAsLong).orElse(0L);
    }

    /** Whether this handler emits (or loads) chunks of its own. */
    public boolean emitsChunks() {
        return section.isPresent();
    }

    /** The handler's current pending-bytes estimate, if it gives one. */
    public OptionalLong pending() {
        return pendingBytes.map(s -> OptionalLong.of(s.getAsLong())).orElse(OptionalLong.empty());
    }

    @Override
    public String toString() {
        return stage + ":" + id + "@" + priority + " (" + plugin + ", "
                + section.map(SectionId::toString).orElse("no chunk") + ")";
    }
}
