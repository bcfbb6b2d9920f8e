package io.kapacitystack.kapacity.grpc;

import com.google.protobuf.CodedOutputStream;
import io.kapacitystack.kapacity.metrics.Point;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.metric.Provider;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.CodecException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.WireFormat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code QueryResponse} (provider.proto) straight from the provider's series: the bytes are those of the
 * generated message, without first building one {@code Point} message per point (a one-day answer has 1,440,
 * and building and serializing them was most of the service's CPU for a Query). The JSON wire format goes through
 * the generated message.
 */
final class QueryResponseEncoder implements GrpcMessageEncoder<List<Series>> {

    // field numbers of metric.proto / provider.proto
    private static final int RESPONSE_SERIES = 1;
    private static final int SERIES_POINTS = 1;
    private static final int SERIES_LABELS = 2;
    private static final int SERIES_WINDOW = 3;
    private static final int POINT_TIMESTAMP = 1;
    private static final int POINT_VALUE = 2;
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;
    private static final int DURATION_SECONDS = 1;
    private static final int DURATION_NANOS = 2;

    private static final GrpcMessageEncoder<Provider.QueryResponse> GENERATED = GrpcMessageEncoder.encoder();

    @Override
    public boolean accepts(WireFormat format) {
        return GENERATED.accepts(format);
    }

    @Override
    public GrpcMessage encode(List<Series> series, WireFormat format) throws CodecException {
        if (format != WireFormat.PROTOBUF) {
            Provider.QueryResponse.Builder b = Provider.QueryResponse.newBuilder();
            series.forEach(s -> b.addSeries(ProtoMapping.toProto(s)));
            return GENERATED.encode(b.build(), format);
        }
        return GrpcMessage.message("identity", WireFormat.PROTOBUF, Buffer.buffer(encode(series)));
    }

    /** The encoded size of the answer, without encoding it. */
    static long size(List<Series> series) {
        long size = 0;
        for (Series s : series) {
            int n = seriesSize(s);
            size += CodedOutputStream.computeTagSize(RESPONSE_SERIES) + CodedOutputStream.computeUInt32SizeNoTag(n) + n;
        }
        return size;
    }

    static byte[] encode(List<Series> series) {
        int size = 0;
        int[] seriesSizes = new int[series.size()];
        for (int i = 0; i < seriesSizes.length; i++) {
            seriesSizes[i] = seriesSize(series.get(i));
            size += CodedOutputStream.computeTagSize(RESPONSE_SERIES)
                    + CodedOutputStream.computeUInt32SizeNoTag(seriesSizes[i]) + seriesSizes[i];
        }
        byte[] bytes = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            for (int i = 0; i < seriesSizes.length; i++) {
                out.writeTag(RESPONSE_SERIES, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(seriesSizes[i]);
                writeSeries(series.get(i), out);
            }
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new CodecException(e);
        }
        return bytes;
    }

    private static int pointSize(Point p) {
        return (p.timestamp() != 0 ? CodedOutputStream.computeInt64Size(POINT_TIMESTAMP, p.timestamp()) : 0)
                + (Double.doubleToRawLongBits(p.value()) != 0 ? CodedOutputStream.computeDoubleSize(POINT_VALUE, 0) : 0);
    }

    private static int entrySize(Map.Entry<String, String> e) {
        return CodedOutputStream.computeStringSize(ENTRY_KEY, e.getKey())
                + CodedOutputStream.computeStringSize(ENTRY_VALUE, e.getValue());
    }

    private static int durationSize(Duration d) {
        return (d.getSeconds() != 0 ? CodedOutputStream.computeInt64Size(DURATION_SECONDS, d.getSeconds()) : 0)
                + (d.getNano() != 0 ? CodedOutputStream.computeInt32Size(DURATION_NANOS, d.getNano()) : 0);
    }

    private static int seriesSize(Series s) {
        int size = 0;
        for (Point p : s.points()) {
            int n = pointSize(p);
            size += CodedOutputStream.computeTagSize(SERIES_POINTS) + CodedOutputStream.computeUInt32SizeNoTag(n) + n;
        }
        for (Map.Entry<String, String> e : s.labels().entrySet()) {
            int n = entrySize(e);
            size += CodedOutputStream.computeTagSize(SERIES_LABELS) + CodedOutputStream.computeUInt32SizeNoTag(n) + n;
        }
        if (s.window() != null) {
            int n = durationSize(s.window());
            size += CodedOutputStream.computeTagSize(SERIES_WINDOW) + CodedOutputStream.computeUInt32SizeNoTag(n) + n;
        }
        return size;
    }

    private static void writeSeries(Series s, CodedOutputStream out) throws IOException {
        for (Point p : s.points()) {
            out.writeTag(SERIES_POINTS, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(pointSize(p));
            if (p.timestamp() != 0) {
                out.writeInt64(POINT_TIMESTAMP, p.timestamp());
            }
            if (Double.doubleToRawLongBits(p.value()) != 0) {
                out.writeDouble(POINT_VALUE, p.value());
            }
        }
        for (Map.Entry<String, String> e : s.labels().entrySet()) {
            out.writeTag(SERIES_LABELS, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(entrySize(e));
            out.writeString(ENTRY_KEY, e.getKey());
            out.writeString(ENTRY_VALUE, e.getValue());
        }
        if (s.window() != null) {
            Duration d = s.window();
            out.writeTag(SERIES_WINDOW, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(durationSize(d));
            if (d.getSeconds() != 0) {
                out.writeInt64(DURATION_SECONDS, d.getSeconds());
            }
            if (d.getNano() != 0) {
                out.writeInt32(DURATION_NANOS, d.getNano());
            }
        }
    }
}
