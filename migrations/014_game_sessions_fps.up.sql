-- Frame-rate statistics per session (NULL until the client reports them),
-- and a partial index for finding a player's active sessions.
ALTER TABLE game_sessions
    ADD COLUMN avg_fps double precision,
    ADD COLUMN min_fps double precision,
    ADD COLUMN max_fps double precision,
    ADD CONSTRAINT game_sessions_fps_check
        CHECK (min_fps >= 0 AND min_fps <= avg_fps AND avg_fps <= max_fps);

CREATE INDEX game_sessions_active_idx ON game_sessions (player_id) WHERE ended_at IS NULL;
