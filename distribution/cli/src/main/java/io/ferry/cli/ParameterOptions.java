package io.ferry.cli;

import io.ferry.migration.MigrationParameters;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --set NAME=VALUE}: any migration parameter by its shell name, as {@code ferry:set-parameter} takes it. */
final class ParameterOptions {
    @Option(
            names = "--set",
            paramLabel = "NAME=VALUE",
            description = "A migration parameter by name, repeatable (e.g. --set tls-creds=/tmp/ferry-tls/source"
                    + " --set tls-authz=CN=destination,O=Ferry); the names are set-parameter's.")
    List<String> settings = new ArrayList<>();

    /** {@code params} with every {@code --set} applied in order. */
    MigrationParameters apply(MigrationParameters params) {
        MigrationParameters p = params;
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set takes NAME=VALUE, not '" + s + "'");
            }
            p = p.with(s.substring(0, eq), s.substring(eq + 1));
        }
        return p;
    }
}
