package io.ferry.transport;

import java.io.IOException;
import java.nio.file.Path;

/** Credentials for the TLS tests: one CA with three hosts, and a rogue CA whose host claims the destination's name. */
record TlsFixture(Path source, Path destination, Path intruder, Path impostor) {
    static final String SOURCE = "CN=source,O=Ferry";
    static final String DESTINATION = "CN=destination,O=Ferry";
    static final String INTRUDER = "CN=intruder,O=Ferry";

    static TlsFixture create(Path dir) throws IOException {
        TestCertificateAuthority ca = TestCertificateAuthority.create(dir.resolve("ca"), "CN=Ferry test CA", 2);
        TestCertificateAuthority rogue = TestCertificateAuthority.create(dir.resolve("rogue"), "CN=Rogue CA", 2);
        return new TlsFixture(
                ca.issue(dir.resolve("source"), SOURCE, 2),
                ca.issue(dir.resolve("destination"), DESTINATION, 2),
                ca.issue(dir.resolve("intruder"), INTRUDER, 2),
                rogue.issue(dir.resolve("impostor"), DESTINATION, 2));
    }

    TransportOptions sourceOptions() {
        return options(source, DESTINATION);
    }

    TransportOptions destinationOptions() {
        return options(destination, SOURCE);
    }

    static TransportOptions options(Path creds, String authz) {
        return TransportOptions.defaults().with("tls-creds", creds.toString()).with("tls-authz", authz);
    }
}
