DROP INDEX game_sessions_active_idx;
ALTER TABLE game_sessions
    DROP CONSTRAINT game_sessions_fps_check,
    DROP COLUMN max_fps,
    DROP COLUMN min_fps,
    DROP COLUMN avg_fps;
