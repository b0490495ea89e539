package io.ferry.shell.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Lets {@code bin/ferry shell -c ...} (or with commands on standard input) exit non-zero when a
 * command failed: the launcher names a file in the framework property {@value #PROPERTY}, and
 * every failed command line is appended to it as it fails. Felix itself always exits 0.
 * Without the property (an interactive shell) nothing is recorded.
 */
@Component(service = CommandSessionListener.class, immediate = true)
public final class ScriptStatus implements CommandSessionListener {
    static final String PROPERTY = "ferry.shell.status";

    private final Path file;

    @Activate
    public ScriptStatus(BundleContext context) {
        String name = context.getProperty(PROPERTY);
        this.file = name == null || name.isBlank() ? null : Path.of(name);
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {}

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {}

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        if (file != null) {
            append(command + "\t" + exception.getMessage() + "\n");
        }
    }

    private synchronized void append(String line) {
        try {
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record a failed command in " + file, e);
        }
    }
}
