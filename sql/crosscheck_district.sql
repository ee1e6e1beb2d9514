-- The current protocols of the precincts of district ?1, each with its
-- answer rows, by precinct in byte order: what a district's summary is
-- compared with, and what `dauys summarize --district` sums.
SELECT c.precinct, c.version, c.on_list, a.question, a.received, a.issued, a.cancelled,
       a.in_boxes, a.yes, a.no, a.not_counted, a.invalid
  FROM precinct p
  JOIN protocol c ON c.precinct = p.id AND c.state = 'current'
  JOIN protocol_answer a ON a.precinct = c.precinct AND a.version = c.version
 WHERE p.district = ?1
 ORDER BY c.precinct
