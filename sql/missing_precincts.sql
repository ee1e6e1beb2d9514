-- Precincts of the manifest without a counting protocol, by id (?1: how many; -1: all).
SELECT p.id FROM precinct p
 WHERE NOT EXISTS (SELECT 1 FROM protocol c WHERE c.precinct = p.id AND c.state = 'current')
 ORDER BY p.id
 LIMIT ?1
