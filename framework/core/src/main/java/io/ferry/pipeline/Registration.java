package io.ferry.pipeline;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * A registration being described; {@link #handler} or {@link #loader} completes it. Id and
 * priority are required: there is no default place in a stage.
 */
public final class Registration {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    private final String plugin;
    private final Stage stage;
    private final Consumer<HandlerRegistration> sink;
    private String id;
    private Integer priority;
    private SectionId section;
    private LongSupplier pendingBytes;
    private boolean ramFinalPass;
    private LongSupplier bytesEstimate;
    private LongSupplier nanosEstimate;
    private boolean done;

    Registration(String plugin, Stage stage, Consumer<HandlerRegistration> sink) {
        this.plugin = plugin;
        this.stage = stage;
        this.sink = sink;
    }

    /** Unique on the stage: lower case letters, digits, '.', '_' or '-', such as {@code "ram.iterate"}. */
    public Registration id(String id) {
        checkNotNull(id, "id");
        checkArgument(
                ID.matcher(id).matches(),
                "handler id '%s' must be 1..100 of [a-z0-9._-], starting with a letter or digit",
                id);
        this.id = id;
        return this;
    }

    /** Higher runs first; see {@link Priority} for the named places. */
    public Registration priority(int priority) {
        this.priority = priority;
        return this;
    }

    /** The section this handler emits chunks for (source) or loads (destination). */
    public Registration section(SectionId section) {
        this.section = checkNotNull(section, "section");
        return this;
    }

    /** ITERATE only: the bytes this handler still has to send, asked after each pass. */
    public Registration pendingBytes(LongSupplier pendingBytes) {
        checkArgument(stage == Stage.ITERATE, "pendingBytes is for ITERATE handlers, not %s", stage);
        this.pendingBytes = checkNotNull(pendingBytes, "pendingBytes");
        return this;
    }

    /**
     * COMPLETE only: marks RAM's final pass. Once it returns, guest RAM is sealed; a later
     * handler that dirties it fails the migration.
     */
    public Registration ramFinalPass() {
        checkArgument(stage == Stage.COMPLETE, "ramFinalPass is for COMPLETE handlers, not %s", stage);
        this.ramFinalPass = true;
        return this;
    }

    /**
     * COMPLETE only: the bytes this handler expects to emit (beyond what ITERATE handlers count
     * as pending), asked whenever the engine predicts the switchover's downtime.
     */
    public Registration estimatedBytes(LongSupplier bytes) {
        checkArgument(stage == Stage.COMPLETE, "estimatedBytes is for COMPLETE handlers, not %s", stage);
        this.bytesEstimate = checkNotNull(bytes, "bytes");
        return this;
    }

    /**
     * COMPLETE or LOAD_COMPLETE only: how long this handler expects to take, in nanoseconds,
     * asked whenever the engine predicts the switchover's downtime (the destination reports its
     * estimate to the source).
     */
    public Registration estimatedNanos(LongSupplier nanos) {
        checkArgument(
                stage == Stage.COMPLETE || stage == Stage.LOAD_COMPLETE,
                "estimatedNanos is for COMPLETE and LOAD_COMPLETE handlers, not %s",
                stage);
        this.nanosEstimate = checkNotNull(nanos, "nanos");
        return this;
    }

    /** Completes the registration with a handler for a stage other than LOAD. */
    public void handler(StageHandler handler) {
        checkArgument(stage != Stage.LOAD, "LOAD takes a ChunkLoader: use loader()");
        if (section != null) {
            checkArgument(
                    stage.emitsChunks() || stage.side() == Side.DESTINATION,
                    "handler %s: %s emits no chunks, so it takes no section",
                    id,
                    stage);
        }
        register(checkNotNull(handler, "handler"));
    }

    /** Completes a LOAD registration: {@code loader} receives every chunk of the section. */
    public void loader(ChunkLoader loader) {
        checkArgument(stage == Stage.LOAD, "loader() is for LOAD, not %s", stage);
        checkArgument(section != null, "LOAD handler %s needs a section", id);
        register(checkNotNull(loader, "loader"));
    }

    /** Whether {@link #handler} or {@link #loader} completed this registration. */
    boolean completed() {
        return done;
    }

    /** How the plugin would complete it, for the message when it never did. */
    String unfinished() {
        return String.format(
                "plugin %s started a registration on %s (id %s) but never completed it with %s",
                plugin, stage, id == null ? "not set" : "'" + id + "'", stage == Stage.LOAD ? "loader()" : "handler()");
    }

    private void register(Handler handler) {
        checkState(!done, "registration %s already completed", id);
        checkState(id != null, "a %s registration of plugin %s needs an id", stage, plugin);
        checkState(priority != null, "handler %s on %s needs an explicit priority", id, stage);
        done = true;
        sink.accept(new HandlerRegistration(
                plugin,
                stage,
                id,
                priority,
                Optional.ofNullable(section),
                handler,
                Optional.ofNullable(pendingBytes),
                ramFinalPass,
                Optional.ofNullable(bytesEstimate),
                Optional.ofNullable(nanosEstimate)));
    }
}
