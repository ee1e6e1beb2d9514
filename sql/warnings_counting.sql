-- Warnings (W1..) carried from ingestion, on the protocols that count, by code.
-- Driven from the warnings (few) and not the protocols (a million).
SELECT w.code, count(*) FROM warning w
 WHERE EXISTS (SELECT 1 FROM protocol c WHERE c.submission = w.submission AND c.state = 'current')
 GROUP BY w.code ORDER BY w.code
