package io.ferry.machine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Frees a direct buffer at once instead of at the next garbage collection, through
 * {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported, the documented way on JDK 9 to 21,
 * found reflectively so the bundle imports nothing). Where it is missing, the buffer is left to
 * the garbage collector as before.
 */
final class DirectMemory {
    private static final Optional<MethodHandle> CLEANER = find();

    private DirectMemory() {}

    /** Frees {@code buffer}'s memory now; returns false if only the garbage collector can. */
    static boolean free(ByteBuffer buffer) {
        if (CLEANER.isEmpty() || !buffer.isDirect()) {
            return false;
        }
        try {
            CLEANER.get().invokeExact(buffer);
            return true;
        } catch (Throwable t) { // a view or an already freed buffer: leave it to the collector
            return false;
        }
    }

    private static Optional<MethodHandle> find() {
        try {
            Class<?> unsafeClass = ClassLoader.getPlatformClassLoader().loadClass("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            MethodHandle m = MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class));
            return Optional.of(m.bindTo(f.get(null)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
