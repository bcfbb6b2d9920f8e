/**
 * The Kapacity API, {@code autoscaling.kapacitystack.io/v1alpha1}, field for field as Kapacity defines it, so that
 * YAML written for Kapacity is accepted unchanged. The CRD YAMLs are generated from these classes at build time
 * (fabric8 crd-generator) and copied into the Helm chart. Differences from upstream's CRDs are listed in
 * docs/compatibility.md.
 */
package io.kapacitystack.kapacity.api.v1alpha1;
