package io.ferry.pipeline;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Runs at a stage. A handler registered with a section may emit chunks through
 * {@link StageContext#chunks()}; one without a section emits nothing and needs no counterpart
 * on the destination. Any exception fails the migration, naming the handler.
 */
@ConsumerType
@FunctionalInterface
public non-sealed interface StageHandler extends Handler {
    void handle(StageContext context) throws Exception;
}
