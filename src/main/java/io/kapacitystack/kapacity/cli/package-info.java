/**
 * The command line's pure parts (docs/cli.md): an IHPA from {@code autoscale}'s flags ({@link AutoscaleSpec}), an
 * HPA converted into an IHPA ({@link HpaConversion}), and {@code describe}/{@code get} rendered as kubectl renders an
 * HPA ({@link IhpaDescription}, {@link IhpaTable}). The I/O around them lives in {@code app/KapacityCli}.
 */
package io.kapacitystack.kapacity.cli;
