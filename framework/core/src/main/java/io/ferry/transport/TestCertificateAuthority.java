package io.ferry.transport;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A throw-away certificate authority for trying TLS (the README walk-through, tests), made with the
 * JDK's {@code keytool}: an EC P-256 CA, and for each host a credentials directory in the layout
 * {@link TransportOptions#tlsCreds()} reads (host key and certificate as PEM and as PKCS#12, the CA
 * certificate). For production use certificates from your own CA.
 */
public final class TestCertificateAuthority {
    private static final String PASSWORD_VARIABLE = "FERRY_KEYTOOL_PASSWORD";
    private static final Duration KEYTOOL_LIMIT = Duration.ofSeconds(120);

    private final Path dir;
    private final String password;

    private TestCertificateAuthority(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /** Creates a CA named {@code subject} in {@code dir} ({@code ca.p12}, {@code ca.p12.pass}, {@code ca-cert.pem}). */
    public static TestCertificateAuthority create(Path dir, String subject, int validityDays) throws IOException {
        checkNotNull(dir, "dir");
        checkArgument(validityDays >= 1, "validity must be at least one day but was %s", validityDays);
        ownerOnly(Files.createDirectories(dir));
        String password = newPassword();
        Path store = dir.resolve("ca.p12");
        keytool(
                password,
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                subject,
                "-ext",
                "bc:c",
                "-ext",
                "ku:c=keyCertSign,cRLSign",
                "-validity",
                Integer.toString(validityDays),
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString());
        keytool(
                password,
                "-exportcert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                store.toString(),
                "-file",
                dir.resolve(TlsContext.CA).toString());
        ownerOnly(store);
        ownerOnly(Files.writeString(dir.resolve("ca.p12.pass"), password, StandardCharsets.UTF_8));
        return new TestCertificateAuthority(dir, password);
    }

    /** The CA certificate (PEM). */
    public Path certificate() {
        return dir.resolve(TlsContext.CA);
    }

    /**
     * Creates the credentials directory {@code hostDir} for {@code subject}, signed by this CA, for
     * both TLS roles (a source is a client, a destination a server).
     */
    public Path issue(Path hostDir, String subject, int validityDays) throws IOException {
        checkNotNull(hostDir, "hostDir");
        ownerOnly(Files.createDirectories(hostDir));
        String hostPassword = newPassword();
        Path store = hostDir.resolve(TlsContext.P12);
        Path csr = hostDir.resolve("host.csr");
        Path cert = hostDir.resolve(TlsContext.CERT_PEM);
        keytool(
                hostPassword,
                "-genkeypair",
                "-alias",
                "host",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                subject,
                "-validity",
                Integer.toString(validityDays),
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString());
        keytool(hostPassword, "-certreq", "-alias", "host", "-keystore", store.toString(), "-file", csr.toString());
        keytool(
                password,
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                dir.resolve("ca.p12").toString(),
                "-infile",
                csr.toString(),
                "-outfile",
                cert.toString(),
                "-validity",
                Integer.toString(validityDays),
                "-ext",
                "ku:c=digitalSignature",
                "-ext",
                "eku=serverAuth,clientAuth");
        Files.copy(certificate(), hostDir.resolve(TlsContext.CA), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        keytool(
                hostPassword,
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-keystore",
                store.toString(),
                "-file",
                certificate().toString());
        keytool(
                hostPassword,
                "-importcert",
                "-noprompt",
                "-alias",
                "host",
                "-keystore",
                store.toString(),
                "-file",
                cert.toString());
        Files.delete(csr);
        ownerOnly(store);
        ownerOnly(Files.writeString(hostDir.resolve(TlsContext.P12_PASSWORD), hostPassword, StandardCharsets.UTF_8));
        ownerOnly(writeKeyPem(store, hostPassword, hostDir.resolve(TlsContext.KEY_PEM)));
        return hostDir;
    }

    /**
     * Makes {@code p} its owner's alone (a folder {@code rwx------}, a file {@code rw-------}) where
     * the file system has POSIX permissions: keys and their passwords would let another local user
     * mint certificates. Returns {@code p}.
     */
    private static Path ownerOnly(Path p) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        if (view != null) {
            view.setPermissions(PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwx------" : "rw-------"));
        }
        return p;
    }

    private static Path writeKeyPem(Path store, String password, Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            Key key = ks.getKey("host", password.toCharArray());
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(key.getEncoded());
            return Files.writeString(
                    pem,
                    "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n",
                    StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the key back from " + store + ": " + e.getMessage(), e);
        }
    }

    private static String newPassword() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Runs the JDK's keytool with the store password in the environment (never on the command line). */
    private static void keytool(String password, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.add("-storepass:env");
        command.add(PASSWORD_VARIABLE);
        BoundedCommand.run(
                "keytool " + String.join(" ", args), command, Map.of(PASSWORD_VARIABLE, password), KEYTOOL_LIMIT);
    }
}
