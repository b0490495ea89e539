package io.ferry.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Processes a command starts, and the files they use, none of which may outlive it. They are
 * stopped and deleted at {@link #close()}, or by a shutdown hook if the JVM exits first (Ctrl-C,
 * SIGTERM). A start or a file's creation happens under the same lock as that clean-up and is
 * refused once it ran, so the clean-up either sees it or it never happens.
 */
final class OwnedProcesses implements AutoCloseable {
    /** Work on a file that the clean-up deletes, such as its creation. */
    @FunctionalInterface
    interface FileWork<T> {
        T run() throws IOException;
    }

    private final String refusal;
    private final Duration stopWait;
    private final Set<Process> running = new HashSet<>(); // guarded by this
    private final List<Path> files = new ArrayList<>(); // guarded by this; deleted in this order
    private boolean closed; // guarded by this
    private final Thread atExit;

    /**
     * Registers the shutdown hook, a thread named {@code hookName}. {@code refusal} is the message
     * of a start refused after the clean-up; each stopped process is waited for up to
     * {@code stopWait}, so none is left a zombie.
     */
    OwnedProcesses(String hookName, String refusal, Duration stopWait) {
        this.refusal = refusal;
        this.stopWait = stopWait;
        this.atExit = new Thread(this::cleanUpAtExit, hookName);
        Runtime.getRuntime().addShutdownHook(atExit);
    }

    /** Deletes {@code paths} at the clean-up, in this order (a directory after what is in it). */
    synchronized void deleteAtEnd(Path... paths) {
        files.addAll(List.of(paths));
    }

    /** A new temporary file, deleted at the clean-up. */
    Path createTempFile(String prefix, String suffix) throws IOException {
        return create(() -> {
            Path file = Files.createTempFile(prefix, suffix);
            files.add(file);
            return file;
        });
    }

    /** Runs {@code work} unless the clean-up ran: then it throws an {@link IOException} instead. */
    synchronized <T> T create(FileWork<T> work) throws IOException {
        if (closed) {
            throw new IOException(refusal);
        }
        return work.run();
    }

    /** Starts {@code builder}'s process, stopped at the clean-up if it still runs then. */
    Process start(ProcessBuilder builder) throws IOException {
        return create(() -> {
            Process p = builder.start();
            running.add(p);
            return p;
        });
    }

    /** Stops {@code p}: a SIGTERM, then after {@code grace} a SIGKILL; it is no longer the clean-up's. */
    void stop(Process p, Duration grace) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
        }
        synchronized (this) {
            running.remove(p);
        }
    }

    /** Stops every process still running, deletes the files, and removes the shutdown hook. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(atExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook cleans up
        }
        cleanUp();
    }

    private void cleanUpAtExit() {
        try {
            cleanUp();
        } catch (IOException e) {
            System.err.println("ferry: could not delete " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void cleanUp() throws IOException, InterruptedException {
        List<Process> left;
        List<Path> toDelete;
        synchronized (this) {
            closed = true;
            left = List.copyOf(running);
            running.clear();
            toDelete = List.copyOf(files);
        }
        left.forEach(Process::destroyForcibly);
        for (Process p : left) {
            p.waitFor(stopWait.toMillis(), TimeUnit.MILLISECONDS);
        }
        for (Path file : toDelete) {
            Files.deleteIfExists(file);
        }
    }
}
