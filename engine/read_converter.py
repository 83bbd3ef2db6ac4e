"""The data converter of a client that only reads: the plugin's, without the Agents SDK.

`OpenAIAgentsPlugin` (engine/plugin.py) gives every client and worker its payload
converter: the SDK's defaults with the JSON one replaced by pydantic's, serialising with
`exclude_unset=True`. Importing the plugin imports the whole Agents SDK (1.5 s of a
2.5 s `harness state` on 2 cores, its `mcp` and `sandbox` modules included), which a
query, a history or a listing never uses. This builds the same composite from
temporalio's own pydantic converter, so a read command encodes its arguments byte for
byte as the plugin does and decodes what the agent answers the same way
(tests/cli_controls/test_read_imports.py holds the two side by side).

The plugin's JSON converter adds one thing: when strict validation of a payload fails,
it retries with OpenAI's lenient model builder, for the SDK's own response models that
drift from what the API sends. A read command decodes only our payload types, never an
OpenAI model, so it keeps the strict path.
"""

from __future__ import annotations

from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter, ToJsonOptions
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)


class ReadPayloadConverter(CompositePayloadConverter):
    """The plugin's converter (OpenAIPayloadConverter) minus its lenient fallback."""

    def __init__(self) -> None:
        json_converter = PydanticJSONPlainPayloadConverter(ToJsonOptions(exclude_unset=True))
        super().__init__(*(
            json_converter if isinstance(c, JSONPlainPayloadConverter) else c
            for c in DefaultPayloadConverter.default_encoding_payload_converters
        ))


def read_data_converter() -> DataConverter:
    return DataConverter(payload_converter_class=ReadPayloadConverter)
