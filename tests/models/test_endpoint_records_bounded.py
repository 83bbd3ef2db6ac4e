"""The probes a home keeps (model-endpoints.json) are bounded: a local model server started
on a new port each launch adds a record each time; only the newest are kept, and the one
probed last is always there."""

from __future__ import annotations

from engine.agent import endpoint
from engine.agent.endpoint_records import read_records
from tests.support.chat_completions_server import ChatCompletionsDouble


async def test_only_the_newest_probes_are_kept(tmp_path):
    async with ChatCompletionsDouble() as double:
        probed = await endpoint.probe(double.base_url, "test-double")
    assert probed.json_schema, probed  # a real probe of a real server
    launches = [probed.model_copy(update={"base_url": f"http://127.0.0.1:{40000 + n}/v1"})
                for n in range(endpoint.MAX_RECORDS + 5)]
    for caps in launches:
        endpoint.save(caps, tmp_path)
    endpoint.save(launches[0], tmp_path)  # probed again: the newest once more
    kept = [r["base_url"] for r in read_records(tmp_path)]
    assert len(kept) == endpoint.MAX_RECORDS, len(kept)
    assert kept[-1] == launches[0].base_url
    assert kept[:-1] == [c.base_url for c in launches[-(endpoint.MAX_RECORDS - 1):]]
