DROP TRIGGER players_set_updated_at ON players;
DROP FUNCTION set_updated_at();
ALTER TABLE players DROP COLUMN updated_at;
