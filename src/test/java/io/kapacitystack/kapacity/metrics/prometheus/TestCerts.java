package io.kapacitystack.kapacity.metrics.prometheus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** PEM certificates made with the openssl command line for TLS tests (also used by the gRPC tests). */
public final class TestCerts {

    /** A certificate file and its unencrypted PKCS#8 key file. */
    public record Pair(Path cert, Path key) {
    }

    private final Path dir;

    public TestCerts(Path dir) {
        this.dir = dir;
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + Files.readString(log));
        }
    }

    /** A self-signed server certificate for localhost and 127.0.0.1, valid a day; it is its own CA. */
    public Pair selfSigned(String name) throws IOException, InterruptedException {
        Pair p = new Pair(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", p.key().toString(),
                "-out", p.cert().toString());
        return p;
    }

    /** A client certificate with common name {@code cn} signed by {@code ca}. */
    public Pair signedBy(Pair ca, String name, String cn) throws IOException, InterruptedException {
        Pair p = new Pair(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
        Path csr = dir.resolve(name + ".csr");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn, "-keyout", p.key().toString(),
                "-out", csr.toString());
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(), "-CAkey", ca.key().toString(),
                "-CAcreateserial", "-days", "1", "-out", p.cert().toString());
        return p;
    }
}
