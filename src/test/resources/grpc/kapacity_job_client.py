"""The calls Kapacity's predictive algorithm job makes to the gRPC metrics service (spec §11.2), with grpcio and
the protobuf modules protoc generated from our .proto files (metric_pb2, provider_pb2, as the job's own stubs).

Usage: python3 kapacity_job_client.py <pb2 dir> <host:port> <namespace> <workload> <ingress> [bearer token]
Prints one JSON object per call on stdout.
"""
import json
import sys
import time

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from google.protobuf import duration_pb2, timestamp_pb2  # noqa: E402

import metric_pb2  # noqa: E402
import provider_pb2  # noqa: E402

ADDR, NAMESPACE, WORKLOAD, INGRESS = sys.argv[2:6]
TOKEN = sys.argv[6] if len(sys.argv) > 6 else None
SERVICE = '/io.kapacitystack.metric.ProviderService/'


def call(method, request, response_type):
    # a fresh insecure channel per query, as the job does (the generated stub wraps exactly this unary_unary)
    with grpc.insecure_channel(ADDR) as channel:
        rpc = channel.unary_unary(SERVICE + method, request_serializer=request.__class__.SerializeToString,
                                  response_deserializer=response_type.FromString)
        metadata = [('authorization', 'Bearer ' + TOKEN)] if TOKEN else None
        return rpc(request, timeout=30, metadata=metadata)


def query(name, q, history_minutes):
    # the job's window: end = int(now), start = int(now - minutes * 60), step 60s; only series[0] is used
    end = int(time.time())
    start = int(end - history_minutes * 60)
    request = provider_pb2.QueryRequest(query=q, start=timestamp_pb2.Timestamp(seconds=start),
                                        end=timestamp_pb2.Timestamp(seconds=end),
                                        step=duration_pb2.Duration(seconds=60))
    try:
        response = call('Query', request, provider_pb2.QueryResponse)
    except grpc.RpcError as e:
        print(json.dumps({'call': name, 'code': e.code().name, 'details': e.details()}), flush=True)
        return
    series = response.series[0] if response.series else None
    points = [(int(p.timestamp / 1000), float(p.value)) for p in series.points] if series else []
    print(json.dumps({'call': name, 'code': 'OK', 'start': start, 'end': end, 'series': len(response.series),
                      'labels': dict(series.labels) if series else {}, 'points': points,
                      'window': series.window.seconds if series and series.HasField('window') else None}),
          flush=True)


def latest(name, q):
    try:
        response = call('QueryLatest', provider_pb2.QueryLatestRequest(query=q), provider_pb2.QueryLatestResponse)
    except grpc.RpcError as e:
        print(json.dumps({'call': name, 'code': e.code().name, 'details': e.details()}), flush=True)
        return
    print(json.dumps({'call': name, 'code': 'OK', 'samples': [
        {'timestamp': s.point.timestamp, 'value': s.point.value, 'labels': dict(s.labels),
         'window': s.window.seconds if s.HasField('window') else None} for s in response.samples]}), flush=True)


# metrics[0]: the capacity resource of the scale target, ready pods only (apiVersion apps/v1 -> group "apps")
workload = metric_pb2.GroupKind(group='apps', kind='StatefulSet')
resource = metric_pb2.Query(type=metric_pb2.WORKLOAD_RESOURCE, workload_resource=metric_pb2.WorkloadResourceQuery(
    group_kind=workload, namespace=NAMESPACE, name=WORKLOAD, resource_name='cpu', ready_pods_only=True))
query('resource', resource, 24 * 60)
latest('resource-latest', resource)
# metrics[1]: the replica count series, a Pods metric queried as WORKLOAD_EXTERNAL
query('replicas', metric_pb2.Query(type=metric_pb2.WORKLOAD_EXTERNAL,
                                   workload_external=metric_pb2.WorkloadExternalQuery(
                                       group_kind=workload, namespace=NAMESPACE, name=WORKLOAD,
                                       metric=metric_pb2.MetricIdentifier(name='ready_pods_count'))), 24 * 60)
# metrics[2]: a traffic series, an Object metric of the HP's namespace (networking.k8s.io/v1 Ingress)
query('traffic', metric_pb2.Query(type=metric_pb2.OBJECT, object=metric_pb2.ObjectQuery(
    group_kind=metric_pb2.GroupKind(group='networking.k8s.io', kind='Ingress'), namespace=NAMESPACE, name=INGRESS,
    metric=metric_pb2.MetricIdentifier(name='nginx_ingress_controller_requests_rate'))), 24 * 60)
# a malformed request: the status code reaches the Python client
query('bad-selector', metric_pb2.Query(type=metric_pb2.POD_RESOURCE, pod_resource=metric_pb2.PodResourceQuery(
    namespace=NAMESPACE, selector='app in (', resource_name='cpu')), 60)
