"""The bus between stages. Two implementations behind one interface: `SqliteBus` (embedded
default, no server) and, in distributed mode, Kafka. Stages only see `Bus`, `Consumer`."""

from veille.bus.base import DLQ, ENRICHED, RAW, Bus, Consumer, Message, open_bus

__all__ = ["DLQ", "ENRICHED", "RAW", "Bus", "Consumer", "Message", "open_bus"]
