"""MQTT door locks: Home Assistant-style locks and Tasmota relays (docs/locks-mqtt.md)."""
