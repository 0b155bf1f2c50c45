-- A regular time series per server: one row per server and instant.
CREATE TABLE performance_metrics (
    recorded_at    timestamptz      NOT NULL,
    server         text             NOT NULL,
    cpu_pct        double precision NOT NULL,
    mem_pct        double precision NOT NULL,
    active_players integer          NOT NULL DEFAULT 0,
    avg_fps        double precision,
    p95_latency_ms double precision,
    PRIMARY KEY (server, recorded_at),
    CONSTRAINT performance_metrics_cpu_pct_check CHECK (cpu_pct BETWEEN 0 AND 100),
    CONSTRAINT performance_metrics_mem_pct_check CHECK (mem_pct BETWEEN 0 AND 100),
    CONSTRAINT performance_metrics_active_players_check CHECK (active_players >= 0)
);

CREATE INDEX performance_metrics_recorded_at_idx ON performance_metrics (recorded_at);
