package io.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs the ferry command in-process as a user would, with small machines. */
class FerryCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Ferry.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void demoMigratesLiveAndVerifies() {
        int code = run("demo", "--ram", "64M", "--dirty-rate", "20000", "--devices=");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("destination listening on tcp:127.0.0.1:")
                .contains("stage order: DIRTY_SYNC [ram.sync], COMPLETE [ram.final]")
                .containsPattern("pass 1 +iterate")
                .contains("status:             COMPLETED")
                .contains("verify: guest RAM EQUAL (64.0 MiB")
                .contains("VERIFIED: destination state equals the source's at switchover");
    }

    @Test
    void demoWithEveryDeviceVerifiesRamAndEachDevice() {
        int code = run("demo", "--ram", "64M", "--dirty-rate", "20000", "--devices", "its,vhost-net,htab");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString())
                .contains("COMPLETE [its.flush, its.registers, vhost-net.stop, ram.final, htab.final]")
                .contains("DIRTY_SYNC [vhost-net.log-sync, ram.sync]")
                .contains("verify: device its0 EQUAL").contains("verify: device vhost-net0 EQUAL")
                .contains("verify: device htab0 EQUAL").contains("VERIFIED");
    }

    @Test
    void demoAttachesTheItsByDefault() {
        int code = run("demo", "--ram", "32M", "--dirty-rate", "5000");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("devices [its]").contains("verify: device its0 EQUAL");
    }

    @Test
    void demoWithABandwidthLimitAndACapStillVerifies() {
        int code = run("demo", "--ram", "32M", "--dirty-rate", "50000", "--pattern", "uniform", "--max-bandwidth", "16M",
                "--downtime-limit", "10", "--iteration-cap", "2", "--devices=");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("iterations:         2").contains("VERIFIED");
    }

    @Test
    void demoPrintsTheSwitchoverBreakdownFromTheStopToTheDestinationRunning() {
        int code = run("demo", "--ram", "32M", "--dirty-rate", "20000", "--pattern", "uniform", "--downtime-limit", "300",
                "--downtime-guard", "--devices=");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).containsPattern("switchover: +\\d attempt\\(s\\)")
                .containsPattern("ms +\\(\\+ *[0-9.]+\\) +source +vcpus-stopped")
                .containsPattern("destination +running")
                .contains("(source stop to destination running)").contains("VERIFIED");
    }

    @Test
    void downtimeBenchPrintsARowPerRunAndTheShareWithinTheLimit() {
        int code = run("downtime-bench", "--ram", "16M", "--max-bandwidth", "64M", "--rates", "0.25", "--limits", "50",
                "--patterns", "uniform", "--runs", "1");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).containsPattern("0\\.25 +4096 +50 uniform +off +1 ")
                .containsPattern("0\\.25 +4096 +50 uniform +on +1 ")
                .containsPattern("(?m)^off +1 +").contains("kept")
                .containsPattern("(?m)^on +1 +");
    }

    @Test
    void badOptionsFailWithOneClearLine() {
        assertThat(run("demo", "--pattern", "zigzag", "--ram", "1M")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown dirty pattern 'zigzag'").doesNotContain("\tat ");
        assertThat(run("demo", "--ram", "lots")).isEqualTo(2);
        assertThat(err.toString()).contains("'lots' is not a size");
        assertThat(run("demo", "--devices", "warp-drive", "--ram", "1M")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown device 'warp-drive'");
    }

    @Test
    void benchPrintsARowPerCase() {
        int code = run("bench", "--sizes", "32M", "--contents", "random,zero", "--runs", "1", "--no-warm-up");
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).containsPattern("32 MiB random +\\d+ +\\d+ +\\d+ +\\d+ +\\d+")
                .containsPattern("32 MiB zero +\\d+").contains("QEMU ms");
    }
}
