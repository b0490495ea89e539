package io.ferry.cli;

import io.ferry.transport.TestCertificateAuthority;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Creates a test CA and one credentials directory per host, for trying TLS (the README walk-through). */
@Command(
        name = "tls-init",
        mixinStandardHelpOptions = true,
        description = {
            "Creates a test certificate authority and TLS credentials for each host, with the JDK's keytool.",
            "DIR/ca holds the CA (keep its key private); DIR/HOST is what `set-parameter tls-creds` takes on HOST.",
            "For production, issue the certificates from your own CA in the same layout."
        })
final class TlsInitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, description = "Folder to create the CA and host credentials in.")
    Path dir;

    @Option(
            names = "--hosts",
            split = ",",
            defaultValue = "source,destination",
            description = "Host names; each gets the subject CN=HOST,O=Ferry (default: ${DEFAULT-VALUE}).")
    List<String> hosts;

    @Option(names = "--days", defaultValue = "30", description = "Validity in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() throws Exception {
        if (days < 1 || days > 3650) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--days must be in [1, 3650] but was " + days);
        }
        PrintWriter out = spec.commandLine().getOut();
        TestCertificateAuthority ca =
                TestCertificateAuthority.create(dir.resolve("ca"), "CN=Ferry test CA,O=Ferry", days);
        out.printf("CA: %s%n", ca.certificate());
        for (String host : hosts) {
            String subject = "CN=" + host.strip() + ",O=Ferry";
            Path creds = ca.issue(dir.resolve(host.strip()), subject, days);
            out.printf("%s: %s (subject %s)%n", host.strip(), creds.toAbsolutePath(), subject);
        }
        out.println(
                "On each host: set-parameter tls-creds DIR/HOST, and set-parameter tls-authz with the other's subject.");
        out.flush();
        return 0;
    }
}
