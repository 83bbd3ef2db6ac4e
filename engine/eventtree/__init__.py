"""The event-history tree: a plain-Python tree (run > tick > event) built incrementally
from history events in the JSON shape `temporal workflow show -o json` writes.

No Qt here: the window adapts it with a thin QAbstractItemModel (app/models/).
"""

from engine.eventtree.records import EventRecord
from engine.eventtree.tree import EventTree, Node, TreeListener

__all__ = ["EventRecord", "EventTree", "Node", "TreeListener"]
