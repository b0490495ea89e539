package io.ferry.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ferry.testing.BusyCommonPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot files: a named pipe nobody writes, and what a killed snapshot leaves behind. */
class SnapshotFileTest {
    @TempDir
    Path dir;

    @Test
    void restoringFromANamedPipeWithNoWriterFailsAfterTheHandshakeTimeout() throws Exception {
        Path fifo = dir.resolve("pipe.ferry");
        Process mkfifo =
                new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assumeTrue(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo is not available here");
        TransportOptions options = TransportOptions.defaults().with("handshake-timeout", "300");
        IncomingEndpoint endpoint = Transports.listen(new MigrationUri.File(fifo), options);
        assertTimeoutPreemptively(
                Duration.ofSeconds(30),
                () -> assertThatThrownBy(endpoint::accept)
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("no writer opened")
                        .hasMessageContaining("300 ms"));
    }

    /**
     * The open of a named pipe waits for a writer on a thread. It ran on the common pool, so with
     * that pool busy (parallel streams in the program that embeds Ferry; CompletableFuture uses the
     * common pool from 3 processors on, a thread per task below that) it could stay unstarted,
     * and a restore whose writer was there fail as if none had come. (It passed before the fix
     * too: the thread waiting for the open helps run the pool's queued tasks.)
     */
    @Test
    void aNamedPipeOpensWhileTheCommonPoolIsBusy() throws Exception {
        Path fifo = dir.resolve("busy-pool.ferry");
        Process mkfifo =
                new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assumeTrue(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo is not available here");
        try (BusyCommonPool busy = BusyCommonPool.occupy();
                IncomingEndpoint endpoint = Transports.listen(
                        new MigrationUri.File(fifo), TransportOptions.defaults().with("handshake-timeout", "3000"))) {
            CompletableFuture<MigrationChannel> accepted = new CompletableFuture<>();
            Thread acceptor = new Thread(() -> {
                try {
                    accepted.complete(endpoint.accept());
                } catch (IOException | RuntimeException e) {
                    accepted.completeExceptionally(e);
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            try (FileChannel writer = FileChannel.open(fifo, StandardOpenOption.WRITE)) {
                writer.write(ByteBuffer.wrap(new byte[] {7}));
            }
            try (MigrationChannel in = accepted.get(30, TimeUnit.SECONDS)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                assertThat(in.input().read(b)).isEqualTo(1);
                assertThat(b.get(0)).isEqualTo((byte) 7);
            }
        }
    }

    @Test
    void aPartialLeftByAKilledSnapshotIsRemovedByTheNextSnapshotAndALiveOneIsKept() throws Exception {
        Path snapshot = dir.resolve("vm.ferry");
        Process gone = new ProcessBuilder("true").start();
        assertThat(gone.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Path abandoned = Files.writeString(dir.resolve("vm.ferry." + gone.pid() + ".123.partial"), "cut short");
        Path inProgress = Files.writeString(
                dir.resolve("vm.ferry." + ProcessHandle.current().pid() + ".456.partial"), "busy");
        Path otherSnapshot = Files.writeString(dir.resolve("other.ferry." + gone.pid() + ".789.partial"), "not ours");
        // Snapshot "vm.ferry.20260101", in progress here: its name field is no process of the snapshot "vm.ferry".
        Path datedSnapshot = Files.writeString(
                dir.resolve("vm.ferry.20260101." + ProcessHandle.current().pid() + ".321.partial"), "busy too");

        try (MigrationChannel ch = Transports.connect(new MigrationUri.File(snapshot))) {
            assertThat(abandoned).doesNotExist();
            assertThat(inProgress).exists();
            assertThat(otherSnapshot).exists();
            assertThat(datedSnapshot).exists();
            ch.output().write(java.nio.ByteBuffer.wrap(new byte[] {1}));
            ch.complete();
        }
        assertThat(snapshot).hasBinaryContent(new byte[] {1});
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "vm.ferry",
                            inProgress.getFileName().toString(),
                            otherSnapshot.getFileName().toString(),
                            datedSnapshot.getFileName().toString());
        }
    }
}
