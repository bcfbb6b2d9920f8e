package io.kapacitystack.kapacity.kube;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubeNamesTest {

    @Example
    void apiVersionsAreAVersionOrAGroupAndAVersion() {
        assertTrue(KubeNames.isApiVersion("v1"));
        assertTrue(KubeNames.isApiVersion("apps/v1"));
        assertTrue(KubeNames.isApiVersion("sandbox-test.kapacitystack.io/v1alpha1"));
        for (String bad : new String[] {"", "/v1", "apps/", "apps/v1/", "apps/v1/namespaces/victim", "apps%2Fv1", "apps/v1?x=",
                "apps/v1#", "../v1", "apps/..", "Apps/v1", "apps/1v", "a".repeat(254) + "/v1"}) {
            assertFalse(KubeNames.isApiVersion(bad), bad);
        }
    }

    @Example
    void namesAreDnsSubdomainsAndNeverADotSegment() {
        assertTrue(KubeNames.isDnsSubdomain("web.v2-a"));
        assertTrue(KubeNames.isDnsSubdomain("x".repeat(253)));
        for (String bad : new String[] {"", ".", "..", "a/b", "a%2Fb", "a?", "a#", "-a", "a.", "A", "x".repeat(254), "a..b"}) {
            assertFalse(KubeNames.isDnsSubdomain(bad), bad);
        }
        assertFalse(KubeNames.isNamespace("a.b"), "a namespace is a label");
        assertFalse(KubeNames.isKind("1Foo"));
        assertFalse(KubeNames.isKind("Foo/bar"));
        assertTrue(KubeNames.isKind("StatefulSet"));
    }

    /** A refused value quoted in a condition, event or log line is bounded and cannot start a new line. */
    @Property
    void quotedValuesAreBoundedAndPrintable(@ForAll String value) {
        String quoted = KubeNames.quote(value);
        assertTrue(quoted.length() <= 2 + 64 * 6 + 30, quoted);
        assertTrue(quoted.chars().allMatch(c -> c >= 0x20 && c <= 0x7e), quoted);
        if (value.length() <= 64 && value.chars().allMatch(c -> c >= 0x20 && c <= 0x7e && c != '"' && c != '\\')) {
            assertEquals("\"" + value + "\"", quoted);
        }
    }
}
