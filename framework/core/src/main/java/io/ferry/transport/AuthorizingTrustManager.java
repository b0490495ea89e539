package io.ferry.transport;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;

/**
 * The JDK's PKIX checks, then tls-authz: the peer's certificate subject must be on the list (an
 * empty list allows any certificate the trusted CAs signed). Runs inside the handshake, so an
 * unauthorized peer gets a TLS alert and never a byte of the stream.
 */
final class AuthorizingTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager pkix;
    private final List<X500Principal> allowed;

    AuthorizingTrustManager(X509ExtendedTrustManager pkix, List<X500Principal> allowed) {
        this.pkix = pkix;
        this.allowed = List.copyOf(allowed);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, engine);
        authorize(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
        authorize(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, socket);
        authorize(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
        authorize(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
        authorize(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        authorize(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }

    private void authorize(X509Certificate[] chain) throws CertificateException {
        X500Principal subject = chain[0].getSubjectX500Principal();
        if (!allowed.isEmpty() && !allowed.contains(subject)) {
            throw new CertificateException("peer certificate subject '" + subject.getName() + "' is not in tls-authz");
        }
    }
}
