package io.ferry.itest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code bin/ferry shell} of the assembled distribution, as a separate process fed on standard input. */
final class ShellProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Writer input;
    private final List<String> lines = new ArrayList<>();
    private int cursor;
    private boolean ended; // the output reached its end: every line is in

    private ShellProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readOutput, "ferry-shell-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** A shell whose Web Console listens on an ephemeral port (nobody reads it). */
    static ShellProcess start(Path home, String name) throws IOException {
        return start(home, name, 0);
    }

    /** A shell whose Web Console listens on 127.0.0.1:{@code webPort}. */
    static ShellProcess start(Path home, String name, int webPort) throws IOException {
        return start(home, name, webPort, "");
    }

    /** A shell whose Web Console listens on 127.0.0.1:{@code webPort}, its JVM given {@code javaOptions} too. */
    static ShellProcess start(Path home, String name, int webPort, String javaOptions) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(
                        home.resolve("bin/ferry").toString(), "shell", "--web-port", Integer.toString(webPort))
                .redirectErrorStream(true);
        pb.environment().put("FERRY_JAVA_OPTS", ("-Xmx256m -XX:MaxDirectMemorySize=2g " + javaOptions).strip());
        return new ShellProcess(name, pb.start());
    }

    /** Any process whose output is awaited line by line, like a shell's (its input is left unused). */
    static ShellProcess watch(String name, Process process) {
        return new ShellProcess(name, process);
    }

    Process process() {
        return process;
    }

    /** Sends one command line. */
    void send(String line) throws IOException {
        input.write(line + "\n");
        input.flush();
    }

    /** Waits for an output line (after the last match) in which {@code regex} is found. */
    Matcher await(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                for (; cursor < lines.size(); cursor++) {
                    Matcher m = p.matcher(lines.get(cursor));
                    if (m.find()) {
                        cursor++;
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || ended && cursor == lines.size()) {
                    throw new AssertionError(name + ": no line matching '" + regex + "' within " + timeout.toMillis()
                            + " ms; output:\n" + String.join("\n", lines));
                }
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Waits until the output has ended (the process closed it, normally by exiting) and returns all of it. */
    String awaitEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (!ended) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(name + ": output did not end within " + timeout.toMillis()
                            + " ms; output:\n" + String.join("\n", lines));
                }
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return String.join("\n", lines);
        }
    }

    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    private void readOutput() {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process ended
        } finally {
            synchronized (lines) {
                ended = true;
                lines.notifyAll();
            }
        }
    }

    /** SIGKILL to the process and its JVM ({@code bin/ferry} runs Java as its child), and waits until both are gone. */
    void kill() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle c : children) {
            c.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        }
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + ": still alive 30 s after SIGKILL");
        }
    }

    /** Ends the input (the shell stops at its end) and waits for the process, killing it and its JVM after 20 s. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            input.close();
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            // bin/ferry runs Java as its child: end that too, or a failed test leaves a JVM behind
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
