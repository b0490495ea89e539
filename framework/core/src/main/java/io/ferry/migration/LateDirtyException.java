package io.ferry.migration;

import io.ferry.machine.SealBreach;
import io.ferry.pipeline.DirtyLogRegistration;
import io.ferry.pipeline.HandlerRegistration;
import io.ferry.pipeline.Priority;

/**
 * Guest RAM was written after RAM's final pass (RAM was sealed), so the write would never reach
 * the destination: by a COMPLETE handler ordered after RAM, by a device through the untracked
 * path, or as recorded by a registered dirty log. {@link #writer()} names who wrote.
 */
public final class LateDirtyException extends MigrationException {
    private static final long serialVersionUID = 1L;
    private static final String ADVICE = "stop or flush it in a COMPLETE handler ordered before RAM (priority > "
            + Priority.RAM + ") so its writes are sent";
    private final String handlerId;
    private final String writer;

    /** A handler that ran after RAM's final pass dirtied {@code pages} pages. */
    public LateDirtyException(HandlerRegistration handler, long pages) {
        super(
                "handler " + handler.id() + " (plugin " + handler.plugin() + ", priority " + handler.priority()
                        + ") dirtied " + pages
                        + " guest page(s) after RAM's final pass; order it before RAM (priority > "
                        + Priority.RAM + ") so its writes are sent",
                null);
        this.handlerId = handler.id();
        this.writer = handler.id();
    }

    /** A write made while RAM was sealed, by a device's path or, if {@code during} is given, by that handler. */
    public LateDirtyException(SealBreach breach, HandlerRegistration during) {
        super(
                during != null
                        ? "handler " + during.id() + " (plugin " + during.plugin() + ", priority " + during.priority()
                                + ") dirtied guest page " + breach.page()
                                + " after RAM's final pass (through the path of "
                                + breach.writer() + "); order it before RAM (priority > " + Priority.RAM
                                + ") so its writes are sent"
                        : breach.writer() + " wrote guest RAM after RAM's final pass (page " + breach.page()
                                + ", thread " + breach.thread() + "); " + ADVICE,
                null);
        this.handlerId = during == null ? null : during.id();
        this.writer = during == null ? breach.writer() : during.id();
    }

    /** A registered dirty log recorded {@code pages} pages written while RAM was sealed. */
    public LateDirtyException(DirtyLogRegistration log, long pages) {
        super(
                "dirty log " + log.log().name() + " (plugin " + log.plugin() + ") recorded " + pages
                        + " guest page(s) written after RAM's final pass; " + ADVICE,
                null);
        this.handlerId = null;
        this.writer = log.log().name();
    }

    /** The handler that wrote, or null if a device wrote outside any handler. */
    public String handlerId() {
        return handlerId;
    }

    /** Who wrote: a handler id, a device's untracked writer name, or a dirty log's name. */
    public String writer() {
        return writer;
    }
}
