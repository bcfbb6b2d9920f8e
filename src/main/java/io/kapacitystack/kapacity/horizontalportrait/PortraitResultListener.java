package io.kapacitystack.kapacity.horizontalportrait;

import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;

import java.time.Instant;
import java.util.Map;

/**
 * Told when an ExternalJob algorithm's result changed a HorizontalPortrait's TimeSeries data or the job's report
 * (model, backtest error), after the status write succeeded (the scaling-event stream listens; see docs/kafka.md).
 * Called on the controller's event loop: implementations must return at once and never throw.
 */
public interface PortraitResultListener {

    PortraitResultListener NONE = (hp, before, after, report, at) -> { };

    /** {@code before} is the data the status held (null: none), {@code report} the job's own keys (maybe empty). */
    void timeSeriesWritten(HorizontalPortrait hp, HorizontalPortraitStatus.PortraitData before,
                           HorizontalPortraitStatus.PortraitData after, Map<String, String> report, Instant at);
}
