package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.migration.MigrationParameters;
import io.ferry.shell.internal.FerryCommands;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.junit.jupiter.api.Test;

/**
 * The interactive shell completes {@code ferry:} commands and their options from the
 * distribution's {@code conf/jline/etc/gosh_profile}: every command of {@link FerryCommands} and every
 * option it declares must be there, so a new option cannot be left out of completion.
 */
class GoshProfileIT {
    private static final Pattern COMPLETE = Pattern.compile("^complete -c ferry:(\\S+)(.*)$", Pattern.MULTILINE);
    private static final Pattern LONG = Pattern.compile(" -l (\\S+)");

    @Test
    void everyFerryCommandAndOptionIsCompleted() throws IOException {
        String profile =
                Files.readString(Path.of(System.getProperty("ferry.home"), "conf", "jline", "etc", "gosh_profile"));
        Set<String> completed = new TreeSet<>();
        Matcher m = COMPLETE.matcher(profile);
        while (m.find()) {
            completed.add(m.group(1));
            Matcher option = LONG.matcher(m.group(2));
            while (option.find()) {
                completed.add(m.group(1) + " --" + option.group(1));
            }
        }

        Set<String> declared = new TreeSet<>();
        declared.add("set-parameter");
        for (Method method : FerryCommands.class.getDeclaredMethods()) {
            if (Modifier.isPublic(method.getModifiers()) && method.isAnnotationPresent(Descriptor.class)) {
                declared.add(method.getName());
                Arrays.stream(method.getParameters())
                        .map(p -> p.getAnnotation(Parameter.class))
                        .filter(p -> p != null)
                        .flatMap(p -> Arrays.stream(p.names()))
                        .filter(n -> n.startsWith("--"))
                        .forEach(n -> declared.add(method.getName() + " " + n));
            }
        }
        assertThat(declared).contains("machine --ram", "migrate --wait", "verify");
        assertThat(completed).containsAll(declared);
        Matcher names = Pattern.compile("complete -c ferry:set-parameter -a '\\[([^]]*)]'")
                .matcher(profile);
        assertThat(names.find()).as("set-parameter completes parameter names").isTrue();
        assertThat(names.group(1).split(" ")).containsExactlyElementsOf(MigrationParameters.names());
        assertThat(profile)
                .contains("source (((${.context} getBundle file:system/gogo-jline.jar) getResource gosh_profile)");
    }
}
