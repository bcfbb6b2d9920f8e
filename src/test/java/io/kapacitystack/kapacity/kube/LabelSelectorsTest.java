package io.kapacitystack.kapacity.kube;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LabelSelectorsTest {

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "app=nginx                       | app=nginx,tier=web | true",
            "app=nginx,tier=db               | app=nginx,tier=web | false",
            "app==nginx                      | app=nginx          | true",
            "app!=nginx                      | app=nginx          | false",
            "app!=nginx                      | tier=web           | true",
            "tier in (web, db)               | app=x,tier=db      | true",
            "tier in (web,db)                | app=x              | false",
            "tier notin (web,db)             | app=x              | true",
            "tier notin (web,db)             | tier=web           | false",
            "app                             | app=x              | true",
            "!app                            | app=x              | false",
            "app=nginx,tier in (web,db),!old | app=nginx,tier=web | true",
            "''                              | app=x              | true",
    })
    void matches(String selector, String labels, boolean expected) {
        Map<String, String> l = new HashMap<>();
        for (String kv : labels.split(",")) {
            String[] p = kv.split("=");
            l.put(p[0], p[1]);
        }
        assertEquals(expected, LabelSelectors.parse(selector.equals("''") ? "" : selector).matches(l));
    }

    @Test
    void rejectsMalformed() {
        assertThrows(IllegalArgumentException.class, () -> LabelSelectors.parse("app in web"));
        assertThrows(IllegalArgumentException.class, () -> LabelSelectors.parse("a=b,,c=d"));
    }

    @Test
    void formatsLabelSelectorObjects() {
        String s = LabelSelectors.format(new LabelSelectorBuilder().addToMatchLabels("b", "2").addToMatchLabels("a", "1")
                .addNewMatchExpression().withKey("t").withOperator("In").withValues("y", "x").endMatchExpression()
                .addNewMatchExpression().withKey("old").withOperator("DoesNotExist").endMatchExpression().build());
        assertEquals("a=1,b=2,t in (x,y),!old", s);
        assertEquals(true, LabelSelectors.parse(s).matches(Map.of("a", "1", "b", "2", "t", "x")));
    }
}
