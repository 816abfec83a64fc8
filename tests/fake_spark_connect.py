"""A Spark Connect endpoint that answers only what the error tests need:
a server of an old Spark, or one that wants a token. It speaks Spark
Connect's gRPC protocol through the protocol modules pyspark ships.

    python fake_spark_connect.py --version 3.4.1
    python fake_spark_connect.py --token SECRET

It listens on 127.0.0.1 on a free port, prints `port N` once it does, and
runs until its standard input closes (the test holding it ends).
"""

import argparse
import sys
import warnings
from concurrent import futures

warnings.simplefilter("ignore")

import grpc  # noqa: E402
from pyspark.sql.connect.proto import base_pb2, base_pb2_grpc  # noqa: E402


class Fake(base_pb2_grpc.SparkConnectServiceServicer):
    def __init__(self, version, token):
        self.version = version
        self.token = token

    def _check(self, context):
        if self.token is None:
            return
        given = dict(context.invocation_metadata()).get("authorization")
        if given != f"Bearer {self.token}":
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "Invalid access token.")

    def AnalyzePlan(self, request, context):
        self._check(context)
        if request.WhichOneof("analyze") == "spark_version":
            return base_pb2.AnalyzePlanResponse(
                session_id=request.session_id,
                server_side_session_id="fake",
                spark_version=base_pb2.AnalyzePlanResponse.SparkVersion(version=self.version),
            )
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "this fake answers only its version")

    def Config(self, request, context):
        self._check(context)
        return base_pb2.ConfigResponse(session_id=request.session_id, server_side_session_id="fake")

    def ExecutePlan(self, request, context):
        self._check(context)
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "this fake runs nothing")

    def ReleaseSession(self, request, context):
        return base_pb2.ReleaseSessionResponse(session_id=request.session_id, server_side_session_id="fake")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", default="4.3.0")
    parser.add_argument("--token")
    args = parser.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    base_pb2_grpc.add_SparkConnectServiceServicer_to_server(Fake(args.version, args.token), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"port {port}", flush=True)
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
