-- Runs against a clone of its own: the rows ci_players.sql deleted in its
-- clone are all here.
DO $$
BEGIN
  IF (SELECT count(*) FROM game_sessions) = 0 THEN
    RAISE EXCEPTION 'the game sessions are missing: clones are not independent';
  END IF;
  IF EXISTS (SELECT 1 FROM game_sessions s LEFT JOIN players p ON p.id = s.player_id WHERE p.id IS NULL) THEN
    RAISE EXCEPTION 'a session without its player';
  END IF;
END $$;
