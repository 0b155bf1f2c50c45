DROP TABLE performance_metrics;
