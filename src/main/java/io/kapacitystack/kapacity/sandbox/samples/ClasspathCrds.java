package io.kapacitystack.kapacity.sandbox.samples;

import io.kapacitystack.kapacity.api.crd.CrdStrictness;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Finds the CRD YAML files fabric8's crd-generator writes ({@code META-INF/fabric8/<plural>.<group>-v1.yml}) on
 * the classpath, both in directories (tests, {@code mvn exec}) and inside jars (the shaded jar); Kapacity's three are
 * returned as {@link CrdStrictness} makes them, the same text as the chart's {@code crds/}.
 */
public final class ClasspathCrds {

    private static final String DIRECTORY = "META-INF/fabric8/";

    private ClasspathCrds() {
    }

    /** File name → YAML text, sorted by name. */
    public static TreeMap<String, String> find(ClassLoader loader) {
        TreeMap<String, String> out = new TreeMap<>();
        try {
            for (URL url : Collections.list(loader.getResources(DIRECTORY))) {
                scan(url, out);
            }
            // a shaded jar may have no directory entry for META-INF/fabric8: scan our own jar too
            URL self = ClasspathCrds.class.getProtectionDomain().getCodeSource() == null ? null
                    : ClasspathCrds.class.getProtectionDomain().getCodeSource().getLocation();
            if (self != null && self.getPath().endsWith(".jar")) {
                try (JarFile jar = new JarFile(Path.of(self.toURI()).toFile())) {
                    scanJar(jar, out);
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot scan the classpath for CRDs: " + e.getMessage(), e);
        }
        // Kapacity's CRDs as the chart installs them: made as strict as the Kubernetes types they embed
        CrdStrictness strictness = null;
        for (var crd : out.entrySet()) {
            Class<?> resource = CrdStrictness.resourceOf(crd.getKey());
            if (resource != null) {
                strictness = strictness == null ? CrdStrictness.load() : strictness;
                crd.setValue(strictness.apply(crd.getValue(), resource));
            }
        }
        return out;
    }

    private static void scan(URL url, TreeMap<String, String> out) throws IOException, URISyntaxException {
        if ("file".equals(url.getProtocol())) {
            try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                for (Path f : files.toList()) {
                    if (isCrdFile(f.getFileName().toString())) {
                        out.put(f.getFileName().toString(), Files.readString(f));
                    }
                }
            }
        } else if ("jar".equals(url.getProtocol())) {
            JarURLConnection connection = (JarURLConnection) url.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
                scanJar(jar, out);
            }
        }
    }

    private static void scanJar(JarFile jar, TreeMap<String, String> out) throws IOException {
        Enumeration<JarEntry> entries = jar.entries();
        List<JarEntry> matches = new ArrayList<>();
        while (entries.hasMoreElements()) {
            JarEntry e = entries.nextElement();
            if (e.getName().startsWith(DIRECTORY) && isCrdFile(e.getName().substring(DIRECTORY.length()))) {
                matches.add(e);
            }
        }
        for (JarEntry e : matches) {
            try (InputStream in = jar.getInputStream(e)) {
                out.put(e.getName().substring(DIRECTORY.length()), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    private static boolean isCrdFile(String name) {
        return !name.contains("/") && name.endsWith("-v1.yml");
    }
}
