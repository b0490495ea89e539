package io.ferry.testkit.osgi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;

/**
 * A Gogo command session in the embedded framework. Gogo's classes live in its bundle, not on the
 * test's class path, so the session is driven by reflection; results come back as text.
 */
public final class GogoSession {
    private final Object session;
    private final Method execute;
    private final Method format;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    GogoSession(Object processor) throws ReflectiveOperationException {
        Method create = null;
        for (Method m : processor.getClass().getMethods()) {
            if (m.getName().equals("createSession")
                    && m.getParameterCount() == 3
                    && m.getParameterTypes()[0] == InputStream.class) {
                create = m;
            }
        }
        if (create == null) {
            throw new NoSuchMethodException(
                    "no createSession(InputStream, OutputStream, OutputStream) on " + processor.getClass());
        }
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        Object[] args = create.getParameterTypes()[1] == PrintStream.class
                ? new Object[] {new ByteArrayInputStream(new byte[0]), out, out}
                : new Object[] {new ByteArrayInputStream(new byte[0]), (OutputStream) out, (OutputStream) out};
        this.session = create.invoke(processor, args);
        this.execute = session.getClass().getMethod("execute", CharSequence.class);
        this.format = session.getClass().getMethod("format", Object.class, int.class);
    }

    /**
     * Runs one command line and returns what the shell would show: the text printed while it ran,
     * then its result.
     *
     * @throws CommandFailedException with the command's own message if it threw
     */
    public synchronized String run(String commandLine) {
        printed.reset();
        Object result;
        try {
            result = execute.invoke(session, commandLine);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new CommandFailedException(
                    commandLine, cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call Gogo's execute", e);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        return result == null ? out : out + format(result);
    }

    /**
     * Runs one command line and returns its result object itself (a class of the bundle that
     * made it: read it by reflection), for tests that check values rather than text.
     */
    public synchronized Object execute(String commandLine) {
        try {
            return execute.invoke(session, commandLine);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new CommandFailedException(
                    commandLine, cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call Gogo's execute", e);
        }
    }

    /** The text the shell prints for {@code result}: Gogo's formatting with its converters, at the INSPECT level. */
    private String format(Object result) {
        try {
            return String.valueOf(format.invoke(session, result, 0));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot call Gogo's format", e);
        }
    }

    /** A command that threw: its message is what the shell prints in one line. */
    public static final class CommandFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CommandFailedException(String command, String message, Throwable cause) {
            super(command + " -> " + message, cause);
        }
    }
}
