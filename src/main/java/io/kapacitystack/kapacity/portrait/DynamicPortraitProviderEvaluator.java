package io.kapacitystack.kapacity.portrait;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.gocompat.GoStrings;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitValue;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.runtime.ObjectKey;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * The Dynamic provider's read side (Kapacity's {@code pkg/portrait/provider/dynamic.go}): the value in the status of the HorizontalPortrait
 * {@code <ihpa>-<portraitType>} (lower case), from Static, Cron or TimeSeries portrait data, with its expiry.
 * The HorizontalPortrait itself is created and filled by the portrait controller.
 */
public final class DynamicPortraitProviderEvaluator implements PortraitProviderEvaluator {

    private final ResourceCache<GenericKubernetesResource> portraits;
    private final KubernetesSerialization serialization;
    private final CronPortraitProviderEvaluator cron = new CronPortraitProviderEvaluator();

    public DynamicPortraitProviderEvaluator(ResourceCache<GenericKubernetesResource> portraits, KubernetesSerialization serialization) {
        this.portraits = portraits;
        this.serialization = serialization;
    }

    public static String portraitName(IntelligentHorizontalPodAutoscaler ihpa, String portraitType) {
        return (ihpa.getMetadata().getName() + "-" + portraitType).toLowerCase(Locale.ROOT);
    }

    @Override
    public ProviderOutcome evaluate(IntelligentHorizontalPodAutoscaler ihpa, PortraitProvider provider, Instant now) {
        if (provider.dynamic == null || provider.dynamic.portraitType == null) {
            return ProviderOutcome.error("a Dynamic provider needs dynamic.portraitType");
        }
        String name = portraitName(ihpa, provider.dynamic.portraitType);
        GenericKubernetesResource raw = portraits.get(new ObjectKey(ihpa.getMetadata().getNamespace(), name));
        if (raw == null) {
            return ProviderOutcome.none(null);
        }
        String unknownType = unknownDataType(raw);
        if (unknownType != null) {
            // Kapacity's text, not a conversion error: the enum of the model cannot hold the unknown value
            return ProviderOutcome.error("unknown horizontal portrait data type " + GoStrings.quote(unknownType));
        }
        HorizontalPortrait hp;
        try {
            hp = KubeObjects.convert(serialization, raw, HorizontalPortrait.class);
        } catch (KubeObjects.InvalidObjectException e) {
            return ProviderOutcome.error("failed to build portrait value from data of HorizontalPortrait \"" + name + "\": " + e.getMessage());
        }
        if (hp.getStatus() == null || hp.getStatus().portraitData == null) {
            return ProviderOutcome.none(null);
        }
        return fromData("Dynamic-" + provider.dynamic.portraitType, name, hp.getStatus().portraitData, now);
    }

    /** The portrait's {@code status.portraitData.type} when it is a string that is none of the known types. */
    static String unknownDataType(GenericKubernetesResource raw) {
        Object type = raw.get("status", "portraitData", "type");
        if (!(type instanceof String t)) {
            return null;
        }
        for (HorizontalPortraitStatus.PortraitData.Type known : HorizontalPortraitStatus.PortraitData.Type.values()) {
            if (known.name().equals(t)) {
                return null;
            }
        }
        return t;
    }

    /**
     * The value of portrait data held elsewhere than in a HorizontalPortrait's status (the backtest keeps its
     * simulated portraits in memory): the same reading as {@link #evaluate}, {@code provider} naming the value's source.
     */
    public static ProviderOutcome valueOfData(String provider, String name, HorizontalPortraitStatus.PortraitData data,
                                              Instant now) {
        return DATA_ONLY.fromData(provider, name, data, now);
    }

    private static final DynamicPortraitProviderEvaluator DATA_ONLY = new DynamicPortraitProviderEvaluator(null, null);

    ProviderOutcome fromData(String provider, String name, HorizontalPortraitStatus.PortraitData data, Instant now) {
        Instant expire;
        try {
            expire = KubeTime.parse(data.expireTime);
        } catch (DateTimeParseException e) {
            // the portrait's status is written by a job or by hand: a bad time is its error, not the controller's
            return ProviderOutcome.error("failed to build portrait value from data of HorizontalPortrait \"" + name
                    + "\": expireTime " + GoStrings.quote(data.expireTime) + " is not an RFC 3339 time");
        }
        if (expire != null && !now.isBefore(expire)) {
            return ProviderOutcome.none(null);
        }
        if (data.type == null) {
            return ProviderOutcome.error("failed to build portrait value from data of HorizontalPortrait \"" + name + "\": missing type");
        }
        switch (data.type) {
            case Static: {
                int replicas = data._static == null || data._static.replicas == null ? 0 : data._static.replicas;
                return valueOrNone(provider, replicas, expire, expire);
            }
            case Cron: {
                if (data.cron == null || data.cron.crons == null) {
                    return ProviderOutcome.error("failed to build portrait value from data of HorizontalPortrait \"" + name + "\": missing cron rules");
                }
                ProviderOutcome o = cron.evaluate(provider, data.cron.crons, now);
                if (o.error() != null) {
                    return ProviderOutcome.error("failed to get active replica cron from portrait data: " + o.error());
                }
                Instant changes = earliest(o.changesAt(), expire);
                if (o.value() == null) {
                    return ProviderOutcome.none(changes);
                }
                Instant ruleEnd = KubeTime.parse(o.value().expireTime);
                return valueOrNone(provider, o.value().replicas, earliest(ruleEnd, expire), changes);
            }
            case TimeSeries: {
                List<HorizontalPortraitStatus.TimeSeriesPoint> points = data.timeSeries == null ? null : data.timeSeries.timeSeries;
                if (points == null || points.isEmpty()) {
                    return ProviderOutcome.none(expire);
                }
                long nowSeconds = now.getEpochSecond();
                for (int i = points.size() - 1; i >= 0; i--) {
                    HorizontalPortraitStatus.TimeSeriesPoint p = points.get(i);
                    if (p.timestamp > nowSeconds) {
                        continue;
                    }
                    Instant until = expire;
                    if (i + 1 < points.size()) {
                        until = earliest(until, Instant.ofEpochSecond(points.get(i + 1).timestamp));
                    }
                    return valueOrNone(provider, p.replicas, until, until);
                }
                return ProviderOutcome.none(earliest(Instant.ofEpochSecond(points.get(0).timestamp), expire));
            }
            default:
                return ProviderOutcome.error("unknown horizontal portrait data type \"" + data.type + "\"");
        }
    }

    private static ProviderOutcome valueOrNone(String provider, int replicas, Instant expire, Instant changesAt) {
        if (replicas <= 0) {
            return ProviderOutcome.none(changesAt);
        }
        return ProviderOutcome.value(new HorizontalPortraitValue(provider, replicas, KubeTime.format(expire)), changesAt);
    }

    private static Instant earliest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isBefore(b) ? a : b;
    }
}
