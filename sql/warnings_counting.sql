-- Warnings (W1..) carried from ingestion, on the protocols that count, by code.
SELECT w.code, count(*) FROM warning w
  JOIN protocol c ON c.submission = w.submission AND c.state = 'current'
 GROUP BY w.code ORDER BY w.code
