package io.ferry.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;

/**
 * TLS 1.3 with mutual authentication, from a credentials directory (see
 * {@link TransportOptions#tlsCreds()}): both sides present a certificate signed by a CA in
 * {@code ca-cert.pem}, and each checks the other's subject against {@code tls-authz}.
 */
final class TlsContext {
    static final String CA = "ca-cert.pem";
    static final String KEY_PEM = "host-key.pem";
    static final String CERT_PEM = "host-cert.pem";
    static final String P12 = "host.p12";
    static final String P12_PASSWORD = "host.p12.pass";
    private static final String[] PROTOCOLS = {"TLSv1.3"};
    /**
     * AES-GCM only, AES-128 first: both run on the CPU's AES and carry-less multiply instructions
     * (JDK intrinsics), AES-128 with fewer rounds. ChaCha20-Poly1305 is left out: JDK 17 has no
     * intrinsic for it, and it measured about 15 times slower than AES-128-GCM (docs/tls-cost.md).
     */
    private static final String[] CIPHER_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"};

    private static final Pattern PEM =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private final SSLContext context;

    private TlsContext(SSLContext context) {
        this.context = context;
    }

    /** Loads the credentials in {@code dir}; errors name the file and what is wrong with it. */
    static TlsContext load(Path dir, List<String> authz) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("tls-creds " + dir + " is not a directory");
        }
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            char[] password = "ferry".toCharArray();
            keys.init(hostKeyStore(dir, password), password);
            TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
            trust.init(trustStore(dir.resolve(CA)));
            X509ExtendedTrustManager pkix = (X509ExtendedTrustManager) trust.getTrustManagers()[0];
            List<X500Principal> allowed =
                    authz.stream().map(X500Principal::new).toList(); // checked by TransportOptions
            SSLContext ssl = SSLContext.getInstance("TLSv1.3");
            ssl.init(
                    keys.getKeyManagers(),
                    new AuthorizingTrustManager[] {new AuthorizingTrustManager(pkix, allowed)},
                    null);
            return new TlsContext(ssl);
        } catch (GeneralSecurityException e) {
            throw new IOException("tls-creds " + dir + ": " + e.getMessage(), e);
        }
    }

    /** An engine for one connection: the source is the TLS client, the destination the server; both authenticate. */
    SSLEngine engine(boolean client) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(client);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        p.setCipherSuites(CIPHER_SUITES);
        p.setUseCipherSuitesOrder(true);
        if (!client) {
            p.setNeedClientAuth(true);
        }
        engine.setSSLParameters(p);
        return engine;
    }

    private static KeyStore hostKeyStore(Path dir, char[] password) throws IOException, GeneralSecurityException {
        Path keyPem = dir.resolve(KEY_PEM);
        Path certPem = dir.resolve(CERT_PEM);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        if (Files.exists(keyPem) && Files.exists(certPem)) {
            List<Certificate> chain = certificates(certPem);
            store.setKeyEntry("host", privateKey(keyPem), password, chain.toArray(Certificate[]::new));
            return store;
        }
        Path p12 = dir.resolve(P12);
        if (!Files.exists(p12)) {
            throw new IOException("tls-creds " + dir + " holds neither " + KEY_PEM + " + " + CERT_PEM + " nor " + P12);
        }
        char[] p12Password = Files.exists(dir.resolve(P12_PASSWORD))
                ? Files.readString(dir.resolve(P12_PASSWORD), StandardCharsets.UTF_8)
                        .strip()
                        .toCharArray()
                : new char[0];
        KeyStore p12Store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            p12Store.load(in, p12Password);
        } catch (IOException e) {
            throw new IOException(
                    p12 + " cannot be read (wrong password in " + P12_PASSWORD + "?): " + e.getMessage(), e);
        }
        for (String alias : java.util.Collections.list(p12Store.aliases())) {
            if (p12Store.isKeyEntry(alias)) {
                store.setKeyEntry(
                        "host", p12Store.getKey(alias, p12Password), password, p12Store.getCertificateChain(alias));
                return store;
            }
        }
        throw new IOException(p12 + " holds no private key");
    }

    private static KeyStore trustStore(Path caPem) throws IOException, GeneralSecurityException {
        if (!Files.exists(caPem)) {
            throw new IOException("tls-creds: " + caPem + " (the CA certificates to trust) does not exist");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        List<Certificate> cas = certificates(caPem);
        for (int i = 0; i < cas.size(); i++) {
            store.setCertificateEntry("ca-" + i, cas.get(i));
        }
        return store;
    }

    private static List<Certificate> certificates(Path pem) throws IOException, CertificateException {
        List<Certificate> certs = new ArrayList<>();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (byte[] der : blocks(pem, "CERTIFICATE")) {
            certs.add((X509Certificate) factory.generateCertificate(new java.io.ByteArrayInputStream(der)));
        }
        if (certs.isEmpty()) {
            throw new IOException(pem + " holds no PEM CERTIFICATE");
        }
        return certs;
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        List<byte[]> keys = blocks(pem, "PRIVATE KEY");
        if (keys.size() != 1) {
            throw new IOException(pem + " must hold one unencrypted PKCS#8 'PRIVATE KEY' block, found " + keys.size());
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(keys.get(0));
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IOException(pem + ": the private key is not an EC, RSA or Ed25519 PKCS#8 key");
    }

    private static List<byte[]> blocks(Path pem, String label) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        List<byte[]> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(label)) {
                try {
                    out.add(Base64.getMimeDecoder().decode(m.group(2)));
                } catch (IllegalArgumentException e) {
                    throw new IOException(pem + ": a " + label + " block is not valid base64", e);
                }
            }
        }
        return out;
    }
}
