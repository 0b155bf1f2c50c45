DROP TABLE game_sessions;
