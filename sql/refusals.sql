-- Submissions that do not count, by log index (?1: how many; -1: all), for
-- the HTML report's table of refused protocols (tally/html_data.c); a
-- summary protocol's precinct is LEVEL:AREA, as in protocols/index.tsv.
SELECT log_index, ifnull(precinct, level || ':' || area), version, outcome, reason_code, reason
  FROM submission
 WHERE outcome NOT IN ('accepted', 'correction')
 ORDER BY log_index
 LIMIT ?1
