-- GitHub webhook deliveries already processed, keyed by X-GitHub-Delivery.
-- repo_id is GitHub's repository id (houses.github_repo_id) but carries no
-- foreign key: deliveries may arrive for repositories without a house.
CREATE TABLE webhook_deliveries (
    delivery_id uuid        PRIMARY KEY,
    event       text        NOT NULL,
    action      text,
    repo_id     bigint,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_deliveries_repo_id_idx ON webhook_deliveries (repo_id);
CREATE INDEX webhook_deliveries_received_at_idx ON webhook_deliveries (received_at);
