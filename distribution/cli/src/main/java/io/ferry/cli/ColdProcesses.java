package io.ferry.cli;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * First migrations measured in fresh processes, as a user meets them: one JVM per sample, started
 * with this one's java, class path and options, running {@code ferry bench --cold-sample}: its
 * own process warm-up, RAM filled and pre-faulted outside the timing, then one timed migration,
 * the process's first. One process runs at a time, each for a bounded time. Agents are left out
 * (a profiler or debugger attached here would write to the same file or port there).
 */
final class ColdProcesses {
    /** The line a sample process ends with: {@code cold-sample <millis> <cpu millis>}. */
    static final String SAMPLE_PREFIX = "cold-sample ";

    private static final long TIMEOUT_MINUTES = 5;
    private static final int OUTPUT_SHOWN = 2000;

    private ColdProcesses() {}

    /** One first migration of a fresh process: wall and process CPU time, as {@link FerryRun.Result}. */
    record Sample(long millis, long cpuMillis) {}

    /** The line {@code --cold-sample} prints for {@code result}. */
    static String sampleLine(FerryRun.Result result) {
        return String.format(Locale.ROOT, "%s%d %d", SAMPLE_PREFIX, result.millis(), result.cpuMillis());
    }

    /**
     * Runs one fresh process that migrates {@code size} bytes of random RAM, paused, as its first
     * migration, and returns its figures; throws {@link ColdProcessException} if it fails, prints
     * no sample, or runs longer than five minutes (then it is killed).
     */
    static Sample measure(long size) throws IOException, InterruptedException {
        checkArgument(size > 0, "size must be > 0 but was %s", size);
        return measure(command(size));
    }

    /** Runs {@code command} as a sample process, as {@link #measure(long)} does. */
    static Sample measure(List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ferry-cold-sample", ".log");
        Process process = null;
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                throw new ColdProcessException(
                        "a fresh process for a cold sample ran longer than " + TIMEOUT_MINUTES + " minutes", tail(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Optional<Sample> sample = parse(output);
            if (process.exitValue() != 0 || sample.isEmpty()) {
                throw new ColdProcessException(
                        "a fresh process for a cold sample failed (exit " + process.exitValue() + ")", tail(log));
            }
            return sample.get();
        } finally {
            if (process != null) {
                process.destroyForcibly(); // only still alive after a timeout or an interrupt
            }
            Files.deleteIfExists(log);
        }
    }

    /** The sample line in a sample process's output, if there is one. */
    static Optional<Sample> parse(String output) {
        for (String line : output.split("\\R")) {
            if (line.startsWith(SAMPLE_PREFIX)) {
                String[] figures = line.substring(SAMPLE_PREFIX.length()).trim().split(" ");
                if (figures.length == 2) {
                    try {
                        return Optional.of(new Sample(Long.parseLong(figures[0]), Long.parseLong(figures[1])));
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** This JVM's java, its options without agents, its class path, then {@code ferry bench --cold-sample}. */
    static List<String> command(long size) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!isAgent(option)) {
                command.add(option);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Ferry.class.getName());
        command.addAll(List.of("bench", "--cold-sample", "--sizes", Long.toString(size)));
        return command;
    }

    static boolean isAgent(String option) {
        return option.startsWith("-agentpath:") || option.startsWith("-agentlib:") || option.startsWith("-javaagent:");
    }

    private static String tail(Path log) throws IOException {
        String output = Files.readString(log, StandardCharsets.UTF_8).strip();
        return output.length() <= OUTPUT_SHOWN ? output : "..." + output.substring(output.length() - OUTPUT_SHOWN);
    }

    /** A sample process that did not give its figures; the message ends with the end of its output. */
    static final class ColdProcessException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ColdProcessException(String what, String output) {
            super(what + (output.isEmpty() ? ", with no output" : "; its output:\n" + output));
        }
    }
}
