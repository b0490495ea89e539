package io.ferry.pipeline;

import io.ferry.machine.Machine;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Collects one plugin's registrations for one migration. Start each with {@link #on(Stage)}:
 *
 * <pre>{@code
 * registrar.on(Stage.COMPLETE).id("its.flush").priority(Priority.BEFORE_RAM).handler(ctx -> its.flush());
 * registrar.on(Stage.ITERATE).id("ram.iterate").priority(Priority.RAM).section(RAM)
 *          .pendingBytes(state::pendingBytes).handler(state::iterate);
 * }</pre>
 */
@ProviderType
public interface Registrar {
    /** The side being assembled; registering a stage of the other side is refused. */
    Side side();

    /** The machine being migrated (source) or loaded (destination). */
    Machine machine();

    /** Starts a registration on {@code stage}. */
    Registration on(Stage stage);
}
