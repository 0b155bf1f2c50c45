DROP VIEW leaderboard;
DROP VIEW active_sessions;
