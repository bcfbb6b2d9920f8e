package io.kapacitystack.kapacity.sandbox.api;

import io.vertx.core.json.JsonObject;

/**
 * A mutating admission step run by the embedded API on every create, like a mutating webhook. The sandbox
 * installs {@code ReadinessGateInjection} (emulating Kapacity's pod webhook); the lead can replace it with the
 * real webhook logic through {@code SandboxCluster.admission()}. Runs on the API's event loop: must not block.
 */
@FunctionalInterface
public interface AdmissionStep {

    /** @param resourcePath the parsed request path (group, version, resource plural, namespace)
     *  @param object the object being created; mutate it in place */
    void mutate(ApiPath resourcePath, JsonObject object);
}
