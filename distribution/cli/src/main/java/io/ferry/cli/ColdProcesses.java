package io.ferry.cli;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * First migrations measured in fresh processes, as a user meets them: one JVM per sample, started
 * with this one's java, class path and options, running {@code ferry bench --cold-sample <this pid>}: its
 * own process warm-up, RAM filled and pre-faulted outside the timing, then one timed migration,
 * the process's first. One process runs at a time, for five minutes at most, and does not
 * outlive this one: it and its log are {@link OwnedProcesses} (a shutdown hook kills it and deletes
 * the log when this JVM exits, Ctrl-C and SIGTERM included), and the process halts by itself once its parent is gone (a {@code kill -9}
 * of the bench; its log is left then). Options that attach something to this process alone are
 * left out ({@link #staysWithThisProcess}): a profiler, debugger, JMX port, flight recording or log
 * file there would clash with this one's.
 */
final class ColdProcesses {
    /** The line a sample process ends with: {@code cold-sample <millis> <cpu millis> <jit millis> <warm-up>}. */
    static final String SAMPLE_PREFIX = "cold-sample ";

    /** How a sample process's failed or unverified migration begins on its standard error. */
    static final String NOT_INTACT = "ferry: " + FerryRun.NOT_INTACT;

    private static final long TIMEOUT_MINUTES = 5;
    private static final int OUTPUT_SHOWN = 2000;
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    /** Read by every JVM at start: their contents are among this one's input arguments already. */
    private static final ImmutableList<String> OPTION_VARIABLES =
            ImmutableList.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    private ColdProcesses() {}

    /**
     * One first migration of a fresh process: wall, process CPU and JIT compiler time, as {@link
     * FerryRun.Result}, and how its process warm-up went ({@link ProcessWarmUp.Outcome#brief()}).
     */
    record Sample(long millis, long cpuMillis, long jitMillis, String warmUp) {}

    /** The line {@code --cold-sample} prints for {@code result}. */
    static String sampleLine(FerryRun.Result result, ProcessWarmUp.Outcome warmUp) {
        return String.format(
                Locale.ROOT,
                "%s%d %d %d %s",
                SAMPLE_PREFIX,
                result.millis(),
                result.cpuMillis(),
                result.jitMillis(),
                warmUp.brief());
    }

    /**
     * Runs one fresh process that migrates {@code size} bytes of random RAM, paused, as its first
     * migration, and returns its figures; throws {@link ColdProcessException} if it fails, prints
     * no sample, or runs longer than five minutes (then it is killed).
     */
    static Sample measure(long size) throws IOException, InterruptedException {
        checkArgument(size > 0, "size must be > 0 but was %s", size);
        return measure(command(size, ManagementFactory.getRuntimeMXBean().getInputArguments()));
    }

    /** Runs {@code command} as a sample process, as {@link #measure(long)} does. */
    static Sample measure(List<String> command) throws IOException, InterruptedException {
        OwnedProcesses owned = new OwnedProcesses(
                "ferry-cold-sample-cleanup", "the bench is exiting: no fresh process is started", STOP_WAIT);
        try {
            return measure(command, owned);
        } finally {
            try {
                owned.close(); // the process is only still alive after a timeout or an interrupt
            } catch (IOException e) {
                // a temporary log left behind is not worth failing the bench for
            }
        }
    }

    private static Sample measure(List<String> command, OwnedProcesses owned) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        OPTION_VARIABLES.forEach(builder.environment()::remove);
        Path log = owned.createTempFile("ferry-cold-sample", ".log");
        Process process = owned.start(builder.redirectOutput(log.toFile()));
        if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            throw new ColdProcessException(
                    "a fresh process for a cold sample ran longer than " + TIMEOUT_MINUTES + " minutes", tail(log));
        }
        String output = read(log);
        Optional<Sample> sample = parse(output);
        if (process.exitValue() == 1 && output.contains(NOT_INTACT)) { // the bench's own exit 1 (a JVM's is too)
            throw new MigrationNotIntactException(
                    "a fresh process's first migration did not arrive intact; its output:\n" + tail(log));
        }
        if (process.exitValue() != 0) {
            throw new ColdProcessException(
                    "a fresh process for a cold sample failed (" + exit(process.exitValue()) + ")", tail(log));
        }
        if (sample.isEmpty()) {
            throw new ColdProcessException(
                    "a fresh process for a cold sample printed no '" + SAMPLE_PREFIX.strip() + "' line", tail(log));
        }
        return sample.get();
    }

    private static String exit(int code) {
        return code > 128 ? "exit " + code + ": killed by signal " + (code - 128) : "exit " + code;
    }

    /** The sample line in a sample process's output, if there is one. */
    static Optional<Sample> parse(String output) {
        for (String line : output.split("\\R")) {
            if (line.startsWith(SAMPLE_PREFIX)) {
                String[] figures =
                        line.substring(SAMPLE_PREFIX.length()).strip().split(" ");
                if (figures.length == 4) {
                    try {
                        return Optional.of(new Sample(
                                Long.parseLong(figures[0]),
                                Long.parseLong(figures[1]),
                                Long.parseLong(figures[2]),
                                figures[3]));
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The java of this JVM, {@code jvmOptions} but those that stay here, this class path, then {@code ferry bench --cold-sample}. */
    static List<String> command(long size, List<String> jvmOptions) {
        checkArgument(size > 0, "size must be > 0 but was %s", size);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String option : jvmOptions) {
            if (!staysWithThisProcess(option)) {
                command.add(option);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Ferry.class.getName());
        command.addAll(List.of(
                "bench",
                "--cold-sample",
                Long.toString(ProcessHandle.current().pid()),
                "--sizes",
                Long.toString(size)));
        return command;
    }

    /**
     * Whether a JVM option attaches something to this process that a second process would clash
     * with or write over: agents (a profiler, a debugger), a JMX port or its configuration, a flight
     * recording, a log file.
     */
    static boolean staysWithThisProcess(String option) {
        return option.startsWith("-agentpath:")
                || option.startsWith("-agentlib:")
                || option.startsWith("-javaagent:")
                || option.startsWith("-Xrun")
                || option.equals("-Xdebug")
                || option.startsWith("-XX:StartFlightRecording")
                || option.startsWith("-Dcom.sun.management.jmxremote")
                || option.startsWith("-Dcom.sun.management.config.file")
                || option.startsWith("-Xloggc:")
                || option.startsWith("-XX:LogFile=")
                || logsToAFile(option);
    }

    /** {@code -Xlog:<what>:<output>...} with an output that is not {@code stdout} or {@code stderr}. */
    private static boolean logsToAFile(String option) {
        if (!option.startsWith("-Xlog:")) {
            return false;
        }
        String[] fields = option.substring("-Xlog:".length()).split(":", -1);
        return fields.length > 1 && !List.of("", "stdout", "stderr").contains(fields[1]);
    }

    /** The output as text; bytes that are not UTF-8 (a localized launcher message) become replacement characters. */
    private static String read(Path log) throws IOException {
        return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    }

    private static String tail(Path log) throws IOException {
        String output = read(log).strip();
        return output.length() <= OUTPUT_SHOWN ? output : "..." + output.substring(output.length() - OUTPUT_SHOWN);
    }

    /** A sample process that did not give its figures; the message ends with the end of its output. */
    static final class ColdProcessException extends IOException {
        private static final long serialVersionUID = 1L;

        ColdProcessException(String what, String output) {
            super(what + (output.isEmpty() ? ", with no output" : "; its output:\n" + output));
        }
    }
}
