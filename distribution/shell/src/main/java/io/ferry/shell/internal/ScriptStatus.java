package io.ferry.shell.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Lets {@code bin/ferry shell -c ...} (or with commands on standard input) exit non-zero when a
 * command failed: the launcher names a file in the framework property {@value #PROPERTY}, and
 * every failed command line is appended to it as it fails. Felix itself always exits 0.
 * Without the property (an interactive shell) nothing is recorded. Nor is a failure once the
 * framework is stopping: after the script's last line Gogo's own {@code gosh} command stops the
 * framework, and sometimes ends with an exception of its own as the shell bundle goes; that is
 * no command of the script failing (it made two of eighteen runs of a two-command script exit 1).
 * Nor is a failure in a session marked {@value #NOT_A_SCRIPT} (the Web Console's).
 */
@Component(service = CommandSessionListener.class, immediate = true)
public final class ScriptStatus implements CommandSessionListener {
    static final String PROPERTY = "ferry.shell.status";

    /**
     * A session attribute that marks a session as no part of the script: the Web Console page
     * runs its commands in a session of its own (its polls, a Cancel with nothing to cancel), in
     * the same framework as a scripted shell. The page sets it under this name.
     */
    static final String NOT_A_SCRIPT = "ferry.not-a-script";

    private final BundleContext context;
    private final Path file;

    @Activate
    public ScriptStatus(BundleContext context) {
        this.context = context;
        String name = context.getProperty(PROPERTY);
        this.file = name == null || name.isBlank() ? null : Path.of(name);
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {}

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {}

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        boolean notTheScript = session != null && Boolean.TRUE.equals(session.get(NOT_A_SCRIPT));
        if (file != null && !notTheScript && !frameworkStopping()) {
            append(command + "\t" + exception.getMessage() + "\n");
        }
    }

    private boolean frameworkStopping() {
        try {
            Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
            return system == null || system.getState() == Bundle.STOPPING;
        } catch (IllegalStateException e) { // this bundle's context is no longer valid: it is being stopped
            return true;
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
