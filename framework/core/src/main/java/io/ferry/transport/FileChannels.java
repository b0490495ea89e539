package io.ferry.transport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Snapshot files: a write-only end for the source, a read-only end for the destination. */
final class FileChannels {
    private FileChannels() {}

    /**
     * Writes to a temporary file beside {@code path}; {@link MigrationChannel#complete()} forces it to
     * disk and moves it over {@code path} atomically; closing without completing deletes it.
     */
    static MigrationChannel forWriting(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(parent, path.getFileName() + ".", ".partial");
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

    static MigrationChannel forReading(Path path) throws IOException {
        FileChannel file = FileChannel.open(path, StandardOpenOption.READ);
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
