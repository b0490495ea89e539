package io.ferry.migration;

import io.ferry.pipeline.HandlerRegistration;

/** A COMPLETE handler ordered after RAM's final pass wrote guest RAM, which would never reach the destination. */
public final class LateDirtyException extends MigrationException {
    private static final long serialVersionUID = 1L;
    private final String handlerId;

    public LateDirtyException(HandlerRegistration handler, long pages) {
        super("handler " + handler.id() + " (plugin " + handler.plugin() + ", priority " + handler.priority()
                + ") dirtied " + pages + " guest page(s) after RAM's final pass; order it before RAM (priority > "
                + io.ferry.pipeline.Priority.RAM + ") so its writes are sent", null);
        this.handlerId = handler.id();
    }

    public String handlerId() {
        return handlerId;
    }
}
