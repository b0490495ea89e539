package io.ferry.internal.management;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A record's components by name as text, nested records, maps and present optionals flattened as
 * {@code outer.inner}: figures added to a record later show up without a change here.
 */
final class RecordFields {
    private RecordFields() {}

    static Map<String, String> flatten(Record record) {
        Map<String, String> out = new LinkedHashMap<>();
        put(out, "", record);
        return out;
    }

    private static void put(Map<String, String> out, String prefix, Object value) {
        if (value instanceof Optional<?> o) {
            o.ifPresent(v -> put(out, prefix, v));
        } else if (value instanceof Record r) {
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                put(out, prefix.isEmpty() ? c.getName() : prefix + "." + c.getName(), read(c, r));
            }
        } else if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> put(out, prefix + "." + k, v));
        } else if (value != null) {
            out.put(prefix, value.toString());
        }
    }

    private static Object read(RecordComponent c, Record r) {
        try {
            c.getAccessor().setAccessible(true);
            return c.getAccessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(
                    "cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
        }
    }
}
