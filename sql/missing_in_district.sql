-- Precincts of district ?1 without a counting protocol, by id: the tally asks
-- only in the districts whose counts show one missing (index precinct_district).
SELECT p.id FROM precinct p
 WHERE p.district = ?1
   AND NOT EXISTS (SELECT 1 FROM protocol c WHERE c.precinct = p.id AND c.state = 'current')
 ORDER BY p.id
