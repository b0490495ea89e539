package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad input is a one-line error with exit code 2; tls-init and tls-cost work end to end. */
class TrustCommandsTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int run(String... args) {
        CommandLine cl = Ferry.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void aDemoLargerThanTheHostIsAClearErrorNotAnOutOfMemoryStack() {
        int code = run("demo", "--ram", "1T", "--devices=");
        assertThat(code).isEqualTo(2);
        // whichever limit is checked first here (the host's memory or this JVM's direct memory cap) names the 1 TiB
        // asked for
        assertThat(err.toString())
                .matches("(?s)ferry: (guest RAM of 1048576\\.0 MiB does not fit"
                        + "|--ram 1\\.0 TiB is above this JVM's direct memory cap).*")
                .doesNotContain("OutOfMemoryError")
                .doesNotContain("\tat ");
    }

    @Test
    void benchWithNoRunsIsAClearError() {
        assertThat(run("bench", "--runs", "0", "--sizes", "16M")).isEqualTo(2);
        assertThat(err.toString())
                .contains("--runs must be at least 1 but was 0")
                .doesNotContain("Exception");
    }

    @Test
    void tlsInitCreatesACaAndCredentialsForEachHost() {
        int code = run("tls-init", "--dir", dir.toString(), "--hosts", "alpha,beta", "--days", "1");
        assertThat(code).as(out + "\n" + err).isZero();
        for (String host : new String[] {"alpha", "beta"}) {
            assertThat(dir.resolve(host).resolve("host-cert.pem")).exists();
            assertThat(dir.resolve(host).resolve("host-key.pem")).exists();
            assertThat(dir.resolve(host).resolve("ca-cert.pem")).hasSameTextualContentAs(dir.resolve("ca/ca-cert.pem"));
        }
        assertThat(out.toString()).contains("alpha: ").contains("subject CN=beta,O=Ferry");
        assertThat(Files.exists(dir.resolve("ca/ca.p12"))).isTrue();
    }

    /** The CA's and hosts' keys and passwords are the owner's alone: another local user could mint certificates. */
    @Test
    void tlsInitKeepsKeysAndPasswordsFromOtherUsers() throws Exception {
        assumeTrue(Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null, "POSIX permissions");
        int code = run("tls-init", "--dir", dir.toString(), "--hosts", "alpha", "--days", "1");
        assertThat(code).as(out + "\n" + err).isZero();
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        for (Path secret : List.of(
                dir.resolve("ca/ca.p12"),
                dir.resolve("ca/ca.p12.pass"),
                dir.resolve("alpha/host.p12"),
                dir.resolve("alpha/host.p12.pass"),
                dir.resolve("alpha/host-key.pem"))) {
            assertThat(Files.getPosixFilePermissions(secret))
                    .as(secret.toString())
                    .isEqualTo(ownerOnly);
        }
        for (Path folder : List.of(dir.resolve("ca"), dir.resolve("alpha"))) {
            assertThat(Files.getPosixFilePermissions(folder))
                    .as(folder.toString())
                    .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void tlsCostMigratesPlainAndOverTlsAndPrintsWhatWasNegotiated() {
        int code = run("tls-cost", "--ram", "16M", "--runs", "1", "--warm-up", "0", "--channels", "1,2");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .containsPattern("plain TCP 1ch +\\d+ +\\d+")
                .containsPattern("TLS 1.3 2ch +\\d+ +\\d+")
                .contains("TLS negotiated: TLSv1.3 TLS_AES_128_GCM_SHA256 (mutual authentication")
                .containsPattern(
                        "cold \\(each case's first migration in this process\\): plain TCP 1ch \\d+ ms \\(\\d+ ms"
                                + " compiling\\);")
                .containsPattern("; TLS 1.3 2ch \\d+ ms \\(\\d+ ms compiling\\)\n")
                .containsPattern("case +median ms +min ms +max ms +MiB/s +CPU ms med\\. +JIT ms med\\.")
                .containsPattern("TLS cost, 1 channel\\(s\\): [+-]\\d+\\.\\d% time")
                .containsPattern("TLS cost, 2 channel\\(s\\): [+-]\\d+\\.\\d% time");
    }

    @Test
    void tlsCostWithANegativeWarmUpIsAClearError() {
        assertThat(run("tls-cost", "--warm-up", "-1")).isEqualTo(2);
        assertThat(err.toString())
                .contains("--warm-up must be 0 or more but was -1")
                .doesNotContain("Exception");
    }
}
