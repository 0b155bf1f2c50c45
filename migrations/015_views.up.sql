-- Read-side views: sessions still running, and the achievement leaderboard.
CREATE VIEW active_sessions AS
SELECT s.id AS session_id,
       s.player_id,
       p.username,
       s.star_system,
       s.location,
       s.started_at,
       s.avg_fps
FROM game_sessions s
JOIN players p ON p.id = s.player_id
WHERE s.ended_at IS NULL;

CREATE VIEW leaderboard AS
SELECT p.id AS player_id,
       p.username,
       p.level,
       count(pa.achievement_id) AS achievements,
       coalesce(sum(a.points), 0) AS points
FROM players p
LEFT JOIN player_achievements pa ON pa.player_id = p.id
LEFT JOIN achievements a ON a.id = pa.achievement_id
WHERE NOT p.is_test_account
GROUP BY p.id, p.username, p.level;
