package io.ferry.transport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Snapshot files: a write-only end for the source, a read-only end for the destination. */
final class FileChannels {
    private static final System.Logger LOG = System.getLogger("io.ferry.transport");
    private static final String PARTIAL = ".partial";
    /** What follows {@code NAME.} in a snapshot's temporary file: the writer's pid and the JDK's random digits. */
    private static final Pattern TEMP_SUFFIX = Pattern.compile("(\\d+)\\.\\d+" + Pattern.quote(PARTIAL));

    private FileChannels() {}

    /**
     * Deletes {@code NAME.PID.RANDOM.partial} files beside a snapshot whose writing process no longer
     * runs (killed before it could clean up): they can never complete. Others' are left alone.
     */
    static void removeAbandonedPartials(Path dir, String name) throws IOException {
        String prefix = name + ".";
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir, p -> {
            String f = p.getFileName().toString();
            return f.startsWith(prefix) && f.endsWith(PARTIAL);
        })) {
            for (Path p : partials) {
                // Exactly PID.RANDOM.partial: "NAME.20260101.PID.RANDOM.partial" is another snapshot's.
                Matcher m = TEMP_SUFFIX.matcher(p.getFileName().toString().substring(prefix.length()));
                OptionalLong pid = m.matches() ? parsePid(m.group(1)) : OptionalLong.empty();
                if (pid.isPresent()
                        && !ProcessHandle.of(pid.getAsLong())
                                .map(ProcessHandle::isAlive)
                                .orElse(false)) {
                    Files.deleteIfExists(p);
                    LOG.log(
                            System.Logger.Level.INFO,
                            "removed " + p + ", left by process " + pid.getAsLong()
                                    + " that ended before completing its snapshot");
                }
            }
        }
    }

    private static OptionalLong parsePid(String text) {
        try {
            return OptionalLong.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Opens a snapshot for reading. A named pipe's open waits for a writer; that wait is bounded by
     * {@code limit} and ends early when {@code abandoned} says so (the endpoint was closed): a
     * thread of our own then opens the pipe for writing, which releases the blocked open.
     */
    static MigrationChannel openForReading(Path path, Duration limit, BooleanSupplier abandoned) throws IOException {
        if (!Files.isRegularFile(path) && Files.exists(path)) {
            // A thread of its own, not the common pool: a pool kept busy by the embedding program
            // would leave the open unstarted while a writer waits.
            CompletableFuture<FileChannel> open = new CompletableFuture<>();
            Thread opener = new Thread(
                    () -> {
                        try {
                            open.complete(FileChannel.open(path, StandardOpenOption.READ));
                        } catch (IOException | RuntimeException e) {
                            open.completeExceptionally(e);
                        }
                    },
                    "ferry-open-" + path.getFileName());
            opener.setDaemon(true);
            opener.start();
            long deadline = System.nanoTime() + limit.toNanos();
            while (true) {
                try {
                    return forReading(path, open.get(20, TimeUnit.MILLISECONDS));
                } catch (TimeoutException e) {
                    if (abandoned.getAsBoolean() || System.nanoTime() - deadline > 0) {
                        release(path, open);
                        throw new IOException(
                                abandoned.getAsBoolean()
                                        ? "restore from " + path + " was cancelled"
                                        : "no writer opened " + path + " within " + limit.toMillis()
                                                + " ms (parameter handshake-timeout)");
                    }
                } catch (ExecutionException e) {
                    throw new IOException(
                            "cannot open " + path + ": " + e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    release(path, open);
                    throw new java.io.InterruptedIOException("interrupted while opening " + path);
                }
            }
        }
        return forReading(path, FileChannel.open(path, StandardOpenOption.READ));
    }

    /** Unblocks an open of a named pipe still waiting for a writer, and closes what it opened. */
    private static void release(Path fifo, CompletableFuture<FileChannel> open) {
        try (FileChannel writer = FileChannel.open(fifo, StandardOpenOption.WRITE)) {
            open.join().close();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "releasing the open of " + fifo, e);
        }
    }

    /**
     * Writes to a temporary file beside {@code path}; {@link MigrationChannel#complete()} forces it to
     * disk and moves it over {@code path} atomically; closing without completing deletes it.
     */
    static MigrationChannel forWriting(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        removeAbandonedPartials(parent, path.getFileName().toString());
        // The writer's process id is in the name, so a later snapshot can tell an abandoned file from one in progress.
        Path temp = Files.createTempFile(
                parent, path.getFileName() + "." + ProcessHandle.current().pid() + ".", PARTIAL);
        FileChannel file = FileChannel.open(temp, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        return new MigrationChannel() {
            private boolean completed;

            @Override
            public GatheringByteChannel output() {
                return file;
            }

            @Override
            public ReadableByteChannel input() throws IOException {
                throw new IOException("a snapshot file has no return path: " + path);
            }

            @Override
            public boolean hasReturnPath() {
                return false;
            }

            @Override
            public void complete() throws IOException {
                file.force(true);
                file.close();
                Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                completed = true;
            }

            @Override
            public String describe() {
                return "file " + path;
            }

            @Override
            public void close() throws IOException {
                try {
                    file.close();
                } finally {
                    if (!completed) {
                        Files.deleteIfExists(temp);
                    }
                }
            }
        };
    }

    private static MigrationChannel forReading(Path path, FileChannel file) {
        return new MigrationChannel() {
            @Override
            public GatheringByteChannel output() throws IOException {
                throw new IOException("a snapshot file is read-only here: " + path);
            }

            @Override
            public ReadableByteChannel input() {
                return file;
            }

            @Override
            public boolean hasReturnPath() {
                return false;
            }

            @Override
            public String describe() {
                return "file " + path;
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }
}
