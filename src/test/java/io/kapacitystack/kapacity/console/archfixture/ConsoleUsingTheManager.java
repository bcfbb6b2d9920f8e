package io.kapacitystack.kapacity.console.archfixture;

import io.kapacitystack.kapacity.manager.ControllerManager;

/** Breaks the console rule on purpose (the console using the manager); only LayerRulesCatchViolationsTest imports it. */
public final class ConsoleUsingTheManager {

    public Object caches(ControllerManager manager) {
        return manager.ihpaCache();
    }
}
