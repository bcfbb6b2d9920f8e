package io.kapacitystack.kapacity.sandbox.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig for the embedded API that kubectl accepts as is (plain HTTP, dummy token, current context). */
public final class Kubeconfig {

    private Kubeconfig() {
    }

    public static String render(String serverUrl, String namespace) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kapacity-sandbox
                  cluster:
                    server: %s
                    insecure-skip-tls-verify: %s
                users:
                - name: sandbox-user
                  user:
                    token: sandbox-token
                contexts:
                - name: kapacity-sandbox
                  context:
                    cluster: kapacity-sandbox
                    user: sandbox-user
                    namespace: %s
                current-context: kapacity-sandbox
                preferences: {}
                """.formatted(serverUrl, serverUrl.startsWith("https") ? "true" : "false", namespace);
    }

    public static Path write(Path file, String serverUrl, String namespace) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        // insecure-skip-tls-verify must be absent for http servers in some kubectl versions: strip when false
        String text = render(serverUrl, namespace).replace("    insecure-skip-tls-verify: false\n", "");
        return Files.writeString(file, text);
    }
}
