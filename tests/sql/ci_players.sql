-- A "test" for scripts/fixture-ci.sh: it runs against its own clone of the
-- ci template and fails (psql exits 3) unless the seeded rows are there.
DO $$
BEGIN
  IF (SELECT count(*) FROM players) <> 200 THEN
    RAISE EXCEPTION 'expected the ci profile''s 200 players, found %', (SELECT count(*) FROM players);
  END IF;
  -- A test may change its database freely: nobody else sees it.
  DELETE FROM player_achievements;
  DELETE FROM game_sessions;
END $$;
