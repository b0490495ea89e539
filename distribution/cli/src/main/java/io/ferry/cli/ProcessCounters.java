package io.ferry.cli;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the process spent between two points, to show where a first migration pays: JIT
 * compilation (the JVM's total compilation time: the elapsed time of the compiles that ended),
 * classes loaded, and minor page faults (first touches of
 * memory; Linux only, -1 elsewhere).
 */
record ProcessCounters(long jitMillis, long classesLoaded, long minorFaults) {
    static ProcessCounters now() {
        return new ProcessCounters(
                compileMillis(),
                ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount(),
                minorFaultsSoFar());
    }

    /** The JVM's total compilation time so far (elapsed, counted as each compile ends); 0 where it cannot tell. */
    static long compileMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** CPU time of this process so far, every thread; 0 where the JVM cannot tell. */
    static long cpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? Math.max(0, os.getProcessCpuTime())
                : 0;
    }

    ProcessCounters since(ProcessCounters before) {
        return new ProcessCounters(
                jitMillis - before.jitMillis,
                classesLoaded - before.classesLoaded,
                minorFaults < 0 ? -1 : minorFaults - before.minorFaults);
    }

    String describe() {
        return String.format(
                Locale.ROOT,
                "JIT %d ms of compiler time, %d classes loaded, %s minor page faults",
                jitMillis,
                classesLoaded,
                minorFaults < 0 ? "n/a" : Long.toString(minorFaults));
    }

    /** Field 10 of /proc/self/stat: minor faults of the process so far. */
    private static long minorFaultsSoFar() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[7]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
