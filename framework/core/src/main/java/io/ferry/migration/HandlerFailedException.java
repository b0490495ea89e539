package io.ferry.migration;

import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.Stage;

/** A handler threw; names the handler, its plugin and the stage. */
public final class HandlerFailedException extends MigrationException {
    private static final long serialVersionUID = 1L;
    private final String handlerId;
    private final Stage stage;

    public HandlerFailedException(HandlerRegistration handler, Throwable cause) {
        super(
                "handler " + handler.id() + " (plugin " + handler.plugin() + ") failed at " + handler.stage() + ": "
                        + cause,
                cause);
        this.handlerId = handler.id();
        this.stage = handler.stage();
    }

    public String handlerId() {
        return handlerId;
    }

    public Stage stage() {
        return stage;
    }
}
