package io.ferry.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

class ScriptStatusTest {
    @TempDir
    Path dir;

    private int systemBundleState = Bundle.ACTIVE;

    @Test
    void aCommandThatFailsWhileTheFrameworkRunsIsRecorded() throws Exception {
        Path file = dir.resolve("failed-commands");
        ScriptStatus status = new ScriptStatus(context(file));
        status.afterExecute(null, "ferry:migrate tcp:127.0.0.1:1", new IllegalStateException("refused"));
        assertThat(Files.readString(file, StandardCharsets.UTF_8))
                .isEqualTo("ferry:migrate tcp:127.0.0.1:1\trefused\n");
    }

    /** The Web Console's session failed now and then (a poll, a Cancel with nothing to cancel): a script then exited 1. */
    @Test
    void aFailureInASessionThatIsNoPartOfTheScriptIsNotRecorded() {
        Path file = dir.resolve("failed-commands");
        ScriptStatus status = new ScriptStatus(context(file));
        CommandSession console = (CommandSession) Proxy.newProxyInstance(
                CommandSession.class.getClassLoader(), new Class<?>[] {CommandSession.class}, (proxy, method, args) -> {
                    if (method.getName().equals("get")) {
                        return "ferry.not-a-script".equals(args[0])
                                ? Boolean.TRUE
                                : null; // as the Web Console page sets it
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        status.afterExecute(console, "ferry:cancel", new IllegalStateException("no migration yet"));
        assertThat(file).doesNotExist();
    }

    @Test
    void theShellsOwnEndWhileTheFrameworkStopsIsNoFailedCommand() {
        Path file = dir.resolve("failed-commands");
        ScriptStatus status = new ScriptStatus(context(file));
        systemBundleState = Bundle.STOPPING;
        status.afterExecute(null, "gosh --login ", new InterruptedException());
        assertThat(file).doesNotExist();
    }

    private BundleContext context(Path file) {
        Bundle system = (Bundle) Proxy.newProxyInstance(
                Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getState")) {
                        return systemBundleState;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return (BundleContext) Proxy.newProxyInstance(
                BundleContext.class.getClassLoader(), new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getProperty":
                            return ScriptStatus.PROPERTY.equals(args[0]) ? file.toString() : null;
                        case "getBundle":
                            return args != null
                                            && args.length == 1
                                            && Long.valueOf(0).equals(args[0])
                                    ? system
                                    : null;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }
}
