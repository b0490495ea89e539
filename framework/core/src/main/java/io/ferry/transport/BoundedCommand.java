package io.ferry.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external command to its end or to a time limit, whichever comes first. */
final class BoundedCommand {
    private BoundedCommand() {}

    /**
     * Runs {@code command} with {@code environment} added to this process's, and returns what it
     * printed (standard output and error together).
     *
     * @param name what the command is called in messages
     * @throws IOException if it cannot start, exits with a status other than 0 (its output in the
     *     message), or has not finished within {@code limit} (it is then killed)
     */
    static String run(String name, List<String> command, Map<String, String> environment, Duration limit)
            throws IOException {
        // Output goes to a file rather than a pipe: reading a pipe to its end would wait for as long
        // as the command keeps it open, past any limit.
        Path output = Files.createTempFile("ferry-command", ".out");
        try {
            ProcessBuilder pb =
                    new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            pb.environment().putAll(environment);
            Process p = pb.start();
            try {
                if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(name + " did not finish in " + limit.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + name, e);
            }
            String printed = Files.readString(output, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(name + " failed (exit " + p.exitValue() + "): " + printed.strip());
            }
            return printed;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
