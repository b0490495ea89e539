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
 */
public record HandlerRegistration(
        String plugin,
        Stage stage,
        String id,
        int priority,
        Optional<SectionId> section,
        Handler handler,
        Optional<LongSupplier> pendingBytes,
        boolean ramFinalPass) {

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
