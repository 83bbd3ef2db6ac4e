"""What the SDK's payload visitor costs when there is no codec: replay CPU, side by side.

temporalio 1.35 walks every workflow activation three times (reference payloads,
external storage, codec) and every completion likewise, even when the data converter
has no payload codec and no external storage, i.e. when there is nothing to do. This
replays every golden history (tests/histories/<version>) with the SDK's functions and
with a stand-in that skips both walks in exactly that case, alternating, and prints the
CPU seconds of each (process time: the machine is shared) and their ratio. Every replay
must succeed either way. An experiment, not shipped: the stand-in replaces private SDK
functions (temporalio.bridge.worker.decode_activation / encode_completion), and skipping
the first walk also skips the SDK's check that no externally stored payload arrives
without storage configured.

    python bench/payload_visitor.py [--rounds 5] [--version v5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import temporalio.bridge.worker as bridge_worker  # noqa: E402
from temporalio.converter._extstore import StorageOperationMetrics  # noqa: E402

from bench.results import add_save_flag, emit  # noqa: E402
from engine.replay import load_history_file, verify  # noqa: E402

SDK = (bridge_worker.decode_activation, bridge_worker.encode_completion)


def _nothing_to_do(converter) -> bool:
    return converter.payload_codec is None and getattr(converter, "external_storage",
                                                       None) is None


async def _decode(activation, converter, **kwargs):
    if _nothing_to_do(converter):
        return StorageOperationMetrics()
    return await SDK[0](activation, converter, **kwargs)


async def _encode(completion, converter, **kwargs):
    if _nothing_to_do(converter):
        return StorageOperationMetrics()
    return await SDK[1](completion, converter, **kwargs)


async def bench(rounds: int, version: str) -> dict:
    files = sorted((REPO / "tests" / "histories" / version).glob("*.json*"))
    histories = [load_history_file(f) for f in files]
    cpu: dict[str, list[float]] = {"sdk": [], "skipped": []}
    await verify(histories)  # warm up: imports, caches
    for _ in range(rounds):
        for leg, functions in (("sdk", SDK), ("skipped", (_decode, _encode))):
            bridge_worker.decode_activation, bridge_worker.encode_completion = functions
            started = time.process_time()
            outcomes = await verify(histories)
            cpu[leg].append(time.process_time() - started)
            failed = [o for o in outcomes if not o.ok]
            if failed:
                raise SystemExit(f"{leg}: {failed[0].workflow_id} did not replay: {failed[0]}")
    bridge_worker.decode_activation, bridge_worker.encode_completion = SDK
    medians = {leg: statistics.median(v) for leg, v in cpu.items()}
    return {"histories": len(histories), "version": version, "rounds": rounds,
            "cpu_s": {leg: [round(x, 3) for x in v] for leg, v in cpu.items()},
            "median_cpu_s": {leg: round(m, 3) for leg, m in medians.items()},
            "ratio_skipped_to_sdk": round(medians["skipped"] / medians["sdk"], 3),
            "load_avg": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--version", default="v5")
    add_save_flag(parser)
    args = parser.parse_args()
    emit(asyncio.run(bench(args.rounds, args.version)), args)


if __name__ == "__main__":
    main()
