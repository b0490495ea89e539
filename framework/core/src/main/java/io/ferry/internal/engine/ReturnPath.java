package io.ferry.internal.engine;

import io.ferry.migration.DestinationFailedException;
import io.ferry.migration.MigrationException;
import io.ferry.stream.Frame;
import io.ferry.stream.FrameReader;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The source's reader of the destination's answers, on its own thread for the whole migration
 * (as QEMU's return-path thread): an ERROR aborts the migration at once, whatever the source is
 * doing; an ACK completes {@link #ack()}.
 */
final class ReturnPath {
    private static final int MAX_FRAME = 64 << 10;

    private final CompletableFuture<Frame.Ack> ack = new CompletableFuture<>();
    private final ReadableByteChannel in;
    private final Consumer<MigrationException> abort;

    ReturnPath(ReadableByteChannel in, Consumer<MigrationException> abort) {
        this.in = in;
        this.abort = abort;
    }

    /** Completes with the destination's ACK, or exceptionally if the destination failed or the connection ended. */
    CompletableFuture<Frame.Ack> ack() {
        return ack;
    }

    void start(String name) {
        Thread t = new Thread(this::run, name);
        t.setDaemon(true);
        t.start();
    }

    private void run() {
        try {
            Frame f = new FrameReader(in, MAX_FRAME).next();
            if (f instanceof Frame.Ack a) {
                ack.complete(a);
            } else if (f instanceof Frame.Error e) {
                DestinationFailedException failure = new DestinationFailedException(e.message());
                abort.accept(failure);
                ack.completeExceptionally(failure);
            } else {
                MigrationException bad = new MigrationException("return path: expected ACK or ERROR, found " + f.type());
                abort.accept(bad);
                ack.completeExceptionally(bad);
            }
        } catch (IOException e) {
            // A broken or corrupt return path: stop sending at once rather than at the switchover.
            // After COMMIT, or once the source itself is closing the channel, abort() does nothing.
            abort.accept(new MigrationException("the return path from the destination broke: " + MigrationBase.describe(e), e));
            ack.completeExceptionally(e);
        }
    }
}
