DROP TABLE agents;
DROP TYPE agent_status;
