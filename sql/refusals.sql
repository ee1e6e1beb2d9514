-- Submissions that do not count, by log index (?1: how many; -1: all), for
-- the HTML report's table of refused protocols (tally/html_data.c).
SELECT log_index, precinct, version, outcome, reason_code, reason
  FROM submission
 WHERE outcome NOT IN ('accepted', 'correction')
 ORDER BY log_index
 LIMIT ?1
