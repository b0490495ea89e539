package io.ferry.transport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Snapshot files: a write-only end for the source, a read-only end for the destination. */
final class FileChannels {
    private FileChannels() {}

    static MigrationChannel forWriting(Path path) throws IOException {
        FileChannel file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        return new MigrationChannel() {
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
            public String describe() {
                return "file " + path;
            }

            @Override
            public void close() throws IOException {
                try {
                    if (file.isOpen()) {
                        file.force(true); // a snapshot is complete only once it is on disk
                    }
                } finally {
                    file.close();
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
