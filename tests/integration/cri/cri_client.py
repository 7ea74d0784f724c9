"""A CRI client for the integration tests, driven over stdin and stdout.

    python3 cri_client.py STUBS_DIR unix:///path/to/containerd.sock

STUBS_DIR holds the Python modules generated from cri.proto (cri_pb2,
cri_pb2_grpc). Each line on stdin is one call, as JSON:

    {"method": "RunPodSandbox", "request": {"config": {...}, "runtime_handler": ""}}

The request is the CRI message in protobuf's JSON form (field names as in
the .proto, enums by name). Each call is answered with one line on stdout:
{"response": {...}} (with the proto's field names; fields at their default
value are left out), or {"error": {"code": "NOT_FOUND", "message": "..."}}
when the runtime answered with a gRPC error.
"""

import json
import sys

import grpc
from google.protobuf import json_format

sys.path.insert(0, sys.argv[1])
import cri_pb2  # noqa: E402
import cri_pb2_grpc  # noqa: E402

TIMEOUT_SECONDS = 120


def methods(channel):
    """Every method of the CRI services in cri.proto: name -> (stub method,
    request class)."""
    table = {}
    for service in cri_pb2.DESCRIPTOR.services_by_name.values():
        stub = getattr(cri_pb2_grpc, service.name + "Stub")(channel)
        for method in service.methods:
            request = getattr(cri_pb2, method.input_type.name)
            table[method.name] = (getattr(stub, method.name), request)
    return table


def main():
    channel = grpc.insecure_channel(sys.argv[2])
    table = methods(channel)
    for line in sys.stdin:
        call = json.loads(line)
        if call["method"] not in table:
            answer = {"error": {"code": "UNIMPLEMENTED",
                                "message": "not in cri.proto: " + call["method"]}}
        else:
            rpc, request_class = table[call["method"]]
            request = json_format.ParseDict(call.get("request", {}), request_class())
            try:
                response = rpc(request, timeout=TIMEOUT_SECONDS, wait_for_ready=True)
                answer = {"response": json_format.MessageToDict(
                    response, preserving_proto_field_name=True)}
            except grpc.RpcError as e:
                answer = {"error": {"code": e.code().name, "message": e.details()}}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
