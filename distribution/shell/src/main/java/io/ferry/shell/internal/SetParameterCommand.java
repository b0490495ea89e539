package io.ferry.shell.internal;

import io.ferry.migration.MigrationParameters;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code ferry:set-parameter NAME VALUE}. A name with a hyphen is no Java method name, so Gogo
 * calls {@code _main} with it; that entry lives in a component of its own because Gogo would
 * also try it for every other command and may prefer it over the real method.
 */
@Component(service = SetParameterCommand.class, immediate = true)
@GogoCommand(scope = "ferry", function = "set-parameter")
public final class SetParameterCommand {
    private final FerryCommands commands;

    @Activate
    public SetParameterCommand(@Reference FerryCommands commands) {
        this.commands = commands;
    }

    @Descriptor("set-parameter NAME VALUE (sizes in bytes or with K/M/G, times in ms, percent, true/false),"
            + " NAME one of: " + MigrationParameters.NAME_LIST)
    public MigrationParameters _main(String command, String... args) {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ferry:set-parameter NAME VALUE, NAME one of: "
                    + String.join(", ", MigrationParameters.names()));
        }
        return commands.session().setParameter(args[0], args[1]);
    }
}
