package io.ferry.transport;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.nio.file.Path;

/** Where a migration stream goes or comes from, in QEMU's URI style. */
public sealed interface MigrationUri {

    /** {@code tcp:HOST:PORT}; port 0 on the listening side picks a free port. */
    record Tcp(String host, int port) implements MigrationUri {
        public Tcp {
            checkNotNull(host, "host");
            checkArgument(!host.isEmpty(), "tcp URI needs a host");
            checkArgument(port >= 0 && port <= 65535, "tcp port %s outside 0..65535", port);
        }

        @Override
        public String toString() {
            return "tcp:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** {@code file:PATH}: a snapshot file. */
    record File(Path path) implements MigrationUri {
        public File {
            checkNotNull(path, "path");
        }

        @Override
        public String toString() {
            return "file:" + path;
        }
    }

    /**
     * Parses {@code tcp:HOST:PORT} (IPv6 hosts in brackets) or {@code file:PATH}.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    static MigrationUri parse(String text) {
        checkNotNull(text, "uri");
        if (text.startsWith("tcp:")) {
            String rest = text.substring(4);
            int colon = rest.lastIndexOf(':');
            checkArgument(colon > 0, "'%s' is not tcp:HOST:PORT", text);
            String host = rest.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "'" + text + "': port '" + rest.substring(colon + 1) + "' is not a number");
            }
            return new Tcp(host, port);
        }
        if (text.startsWith("file:")) {
            checkArgument(text.length() > 5, "'%s' names no file", text);
            return new File(Path.of(text.substring(5)));
        }
        throw new IllegalArgumentException(
                "unsupported migration URI '" + text + "': expected tcp:HOST:PORT or file:PATH");
    }
}
