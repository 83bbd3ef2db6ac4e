"""The durable agentic harness: workflows, activities, the runtime and the client facade."""

import os

# gRPC (imported by temporalio's client and by the supervisor's task proxy) registers fork
# handlers that crashed the supervisor's freshly forked children with SIGSEGV while its
# own threads were busy (seen: a restarted worker died with -11 before it could exec).
# Nothing here forks a process that goes on using gRPC, so it needs none of them. gRPC
# reads this once, when first imported: hence the package's very first line of code.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
