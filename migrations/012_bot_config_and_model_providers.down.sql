DROP TABLE model_providers;
DROP TABLE bot_config;
