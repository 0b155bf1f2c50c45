DROP TABLE security_events;
DROP TYPE security_event_type;
