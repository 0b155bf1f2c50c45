-- Keeps bugs.closed_at in step with bugs.status: set when a bug becomes
-- 'closed' without an explicit time, cleared when it is reopened.
CREATE FUNCTION bugs_sync_closed_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'closed' THEN
        -- An explicit closed_at (e.g. loaded by the seeder) is kept; never
        -- stamp a time earlier than the bug was opened.
        IF NEW.closed_at IS NULL THEN
            NEW.closed_at := greatest(now(), NEW.opened_at);
        END IF;
    ELSE
        NEW.closed_at := NULL;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER bugs_sync_closed_at
    BEFORE INSERT OR UPDATE OF status, closed_at ON bugs
    FOR EACH ROW EXECUTE FUNCTION bugs_sync_closed_at();
