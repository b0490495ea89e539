package io.ferry.shell;

import java.lang.management.ManagementFactory;
import java.util.OptionalLong;
import javax.management.JMException;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/**
 * How much direct memory (where guest RAM lives) this JVM may reserve at most, read through JMX
 * so that no {@code com.sun} type is needed at compile time or in OSGi.
 */
final class DirectMemory {
    private DirectMemory() {}

    /** The cap ({@code -XX:MaxDirectMemorySize}, by default the heap's maximum); empty if unknown. */
    static OptionalLong cap() {
        try {
            CompositeData option = (CompositeData) ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new ObjectName("com.sun.management:type=HotSpotDiagnostic"),
                            "getVMOption",
                            new Object[] {"MaxDirectMemorySize"},
                            new String[] {String.class.getName()});
            long cap = Long.parseLong((String) option.get("value"));
            if (cap <= 0) {
                cap = Runtime.getRuntime().maxMemory();
            }
            return OptionalLong.of(cap);
        } catch (JMException | RuntimeException e) {
            return OptionalLong.empty(); // not a HotSpot JVM: the allocation itself will tell
        }
    }
}
