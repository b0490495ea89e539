package io.ferry.migration;

import java.util.Locale;

/** Byte sizes with binary suffixes: {@code 4096}, {@code 512K}, {@code 1M}, {@code 4G}, {@code 1GiB}. */
public final class Sizes {
    private Sizes() {}

    /**
     * Parses a size.
     *
     * @throws NumberFormatException naming the text if it is not a size
     */
    public static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        int shift = 0;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> shift = 0;
            }
        }
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits.trim());
        } catch (NumberFormatException e) {
            throw new NumberFormatException("'" + text + "' is not a size such as 4096, 512K, 1G");
        }
        if (n < 0 || (shift > 0 && n > (Long.MAX_VALUE >> shift))) {
            throw new NumberFormatException("size '" + text + "' is out of range");
        }
        return n << shift;
    }

    /** {@code bytes} in the largest binary unit that keeps it readable, such as {@code "1.5 GiB"}. */
    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
