DROP TRIGGER bugs_sync_closed_at ON bugs;
DROP FUNCTION bugs_sync_closed_at();
