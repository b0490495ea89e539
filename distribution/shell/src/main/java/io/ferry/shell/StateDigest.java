package io.ferry.shell;

import com.google.common.collect.ImmutableMap;
import io.ferry.machine.Device;
import io.ferry.machine.Machine;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * SHA-256 digests of a machine's guest RAM and of each device's state, and one {@code state}
 * digest over all of them: equal on both sides of a correct migration, so two processes can be
 * compared by a line of text.
 */
public record StateDigest(String ram, Map<String, String> devices, String state) {
    public StateDigest {
        devices = ImmutableMap.copyOf(devices);
    }

    public static StateDigest of(Machine m) {
        MessageDigest all = sha256();
        String ram = m.memory().digest();
        all.update(ram.getBytes(StandardCharsets.UTF_8));
        ImmutableMap.Builder<String, String> devices = ImmutableMap.builder();
        for (Device d : m.devices()) {
            String fp = d.stateFingerprint();
            devices.put(d.id(), HexFormat.of().formatHex(sha256().digest(fp.getBytes(StandardCharsets.UTF_8))));
            all.update(d.id().getBytes(StandardCharsets.UTF_8));
            all.update(fp.getBytes(StandardCharsets.UTF_8));
        }
        return new StateDigest(ram, devices.build(), HexFormat.of().formatHex(all.digest()));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
