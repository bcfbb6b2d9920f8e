package io.kapacitystack.kapacity.gocompat.archfixture;

import io.kapacitystack.kapacity.runtime.ObjectKey;

/** Breaks the ground-floor rule on purpose (gocompat using a project package); only LayerRulesCatchViolationsTest imports it. */
public final class GoCompatUsingTheProject {

    public String quoteKey(ObjectKey key) {
        return "\"" + key + "\"";
    }
}
