package io.kapacitystack.kapacity.gocompat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The flags' help text shows each flag as a user types it. */
class FlagsTest {

    @Test
    void aOneLetterFlagIsShownWithOneDashAndTheOthersWithTwo() {
        Flags flags = new Flags().define("n", "", "the namespace").define("namespace", "default", "the namespace")
                .defineBool("follow", false, "keep watching");
        assertEquals("""
                  -n value
                        the namespace
                  --namespace value
                        the namespace (default default)
                  --follow
                        keep watching
                """, flags.usage());
    }

    @Test
    void theOneLetterFlagIsAcceptedAsItIsShown() {
        Flags flags = new Flags().define("n", "", "the namespace").parse("-n", "shop");
        assertEquals("shop", flags.get("n"));
    }
}
